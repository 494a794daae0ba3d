// drand-lite demo page: one ES module, no framework, no CDN. The package is served at /pkg/ by
// scripts/serve-www (tests/js/static-server.mjs); its browser entry compiles the wasm
// asynchronously (top-level await), so the import resolves once the API is ready.
//
// URL parameters:
//   ?chain=NAME            a preset over the public relays (default: quicknet; see Client.presets())
//   ?relay=URL&chain=HASH  a local relay (mock relay, devnet); repeat relay= (or use commas) for
//                          several; the chain is pinned by its hash
//   &round=N               show round N instead of following the latest round
//
// With no relay= and no chain= the page first asks its own origin for `/chains`: when it is
// served by a drand-node (the local devnet), it follows that node's chain; otherwise quicknet.
//
// Every beacon shown was verified by the light client (which never returns an unverified one)
// and is verified again here with verifyBeacon() to measure the verification time.

const PKG_ENTRY = '/pkg/entry/full/browser.js';
const HISTORY_SIZE = 10;
const EVENTS_SIZE = 20;
const RELAY_TIMEOUT_MS = 5000;

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
};

const params = new URLSearchParams(location.search);
const relayUrls = params
  .getAll('relay')
  .flatMap((value) => value.split(','))
  .map((value) => value.trim())
  .filter(Boolean);

const state = {
  lib: null,
  client: null,
  info: null,
  chainHash: null,
  mode: 'latest', // 'latest' (follow the chain) or 'round' (one round)
  current: null, // the entry shown: { beacon, round, verifyMs, fetchMs, arrivedMs }
  history: [], // entries, newest first
  watch: null, // AbortController of the running watch
  token: 0, // bumped on every navigation; late results of an older one are dropped
  nextRound: null,
  nextDueMs: null,
  clockRound: null, // the latest round by this device's clock
};

// ---------------------------------------------------------------------------------------------
// Formatting

const formatMs = (ms) => (ms == null ? '—' : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`);

function formatTime(ms) {
  const d = new Date(ms);
  const sameDay = new Date().toDateString() === d.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })}, ${time}`;
}

function formatDuration(ms) {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.floor(s % 60).toString().padStart(2, '0');
  return m < 60 ? `${m}:${rest}` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const shortHash = (hex) => (hex && hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex);

function formatDate(ms) {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function setTime(node, ms, format = formatTime) {
  node.textContent = format(ms);
  node.dateTime = new Date(ms).toISOString();
  node.title = new Date(ms).toISOString();
}

function roundTimeMs(round) {
  return Number(state.lib.roundTime(state.info, round));
}

function pageUrl(changes) {
  const next = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '') next.delete(key);
    else next.set(key, String(value));
  }
  const query = next.toString();
  return `${location.pathname}${query ? `?${query}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The beacon panel

function setStatus(status, text) {
  $('beacon').dataset.status = status;
  $('status-text').textContent = text;
  document.documentElement.dataset.status = status;
}

function clearBeacon(round) {
  $('round').textContent = round == null ? '…' : String(round);
  $('beacon').dataset.round = round == null ? '' : String(round);
  $('randomness').textContent = '—';
  $('signature').textContent = '—';
  $('verify-ms').textContent = '—';
  $('fetch-ms').textContent = '—';
  $('emitted').textContent = '—';
  $('emitted').removeAttribute('datetime');
  $('copy-button').disabled = true;
  updateNav();
}

function showLoading(round, text) {
  clearBeacon(round);
  $('error').hidden = true;
  setStatus('loading', text);
}

function showEntry(entry) {
  state.current = entry;
  const { beacon } = entry;
  $('round').textContent = String(beacon.round);
  $('beacon').dataset.round = String(beacon.round);
  $('randomness').textContent = beacon.randomness;
  $('signature').textContent = beacon.signature;
  $('verify-ms').textContent = formatMs(entry.verifyMs);
  $('fetch-label').textContent = entry.fetchMs == null ? 'Arrival delay' : 'Fetch + verify';
  $('fetch-ms').textContent =
    entry.fetchMs == null ? formatDuration(Math.max(0, entry.arrivedMs - entry.dueMs)) : formatMs(entry.fetchMs);
  setTime($('emitted'), entry.dueMs);
  $('copy-button').disabled = false;
  $('error').hidden = true;
  setStatus('verified', state.mode === 'latest' ? 'Verified · following the chain' : 'Verified');
  tick();
  updateNav();
  renderHistory();
}

function showError(err, round) {
  const code = err?.code ?? 'ERROR';
  const message = err?.message ?? String(err);
  const early = code === 'TOO_EARLY';
  clearBeacon(round ?? null);
  if (round == null) $('round').textContent = '—';
  setStatus(early ? 'waiting' : 'failed', early ? 'Not available yet' : 'Not verified');
  const box = $('error');
  box.title = message;
  // "every relay failed for round N: relay: reason; relay: reason; ..." lists every attempt;
  // show each distinct failure once, with a count.
  const all = /^(every relay failed for [^:]+): (.+)$/s.exec(message);
  if (all) {
    const counts = new Map();
    for (const reason of all[2].split('; ')) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    box.replaceChildren(
      el('p', {}, el('code', { textContent: code }), ` ${all[1]}:`),
      el(
        'ul',
        { className: 'reasons' },
        ...[...counts].map(([reason, n]) => el('li', { textContent: n > 1 ? `${reason} (×${n})` : reason })),
      ),
    );
  } else {
    box.replaceChildren(el('p', {}, el('code', { textContent: code }), ` ${message}`));
  }
  if (early && relayUrls.length > 0) {
    box.append(
      el('p', {
        textContent:
          'A local mock relay serves only the real rounds of its vector files: pick one in the round field (for example 1000 on quicknet).',
      }),
    );
  }
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Re-verifies a beacon the client returned, timing the BLS check; throws if it does not hold. */
function recheck(beacon) {
  const started = performance.now();
  const checked = state.lib.verifyBeacon(state.info, beacon, { chainHash: state.chainHash });
  const verifyMs = performance.now() - started;
  if (checked.randomness !== beacon.randomness || String(checked.round) !== String(beacon.round)) {
    throw Object.assign(new Error('the verifier disagrees with the client'), { code: 'RANDOMNESS_MISMATCH' });
  }
  return verifyMs;
}

function accept(beacon, fetchMs) {
  const verifyMs = recheck(beacon);
  const round = Number(beacon.round);
  const entry = { beacon, round, verifyMs, fetchMs, arrivedMs: Date.now(), dueMs: roundTimeMs(round) };
  state.history = [entry, ...state.history.filter((e) => e.round !== round)].slice(0, HISTORY_SIZE);
  showEntry(entry);
}

// ---------------------------------------------------------------------------------------------
// Navigation: one round, or follow the latest

function stopWatch() {
  state.watch?.abort();
  state.watch = null;
}

async function showRound(round, { push = true } = {}) {
  const token = ++state.token;
  stopWatch();
  state.mode = 'round';
  $('round-input').value = String(round);
  if (push) history.pushState(null, '', pageUrl({ round }));
  const cached = state.history.find((e) => e.round === round);
  if (cached) {
    // Already verified on this page; show it again without a request.
    state.history = [cached, ...state.history.filter((e) => e !== cached)];
    showEntry(cached);
    return;
  }
  showLoading(round, `Fetching and verifying round ${round}…`);
  const started = performance.now();
  try {
    const beacon = await state.client.get(round);
    if (token !== state.token) return;
    accept(beacon, performance.now() - started);
  } catch (err) {
    if (token === state.token) showError(err, round);
  } finally {
    drainEvents();
  }
}

async function followLatest({ push = true } = {}) {
  const token = ++state.token;
  stopWatch();
  state.mode = 'latest';
  $('round-input').value = '';
  if (push) history.pushState(null, '', pageUrl({ round: null }));
  showLoading(null, 'Fetching and verifying the latest beacon…');
  let retryMs = 2000;
  while (token === state.token) {
    const controller = new AbortController();
    state.watch = controller;
    const started = performance.now();
    try {
      // The latest beacon first, so that relays that are all down show up as an error here (a
      // watch keeps retrying quietly); the watch then starts from it (a cache hit).
      const latest = await state.client.latest();
      if (token !== state.token) return;
      accept(latest, performance.now() - started);
      drainEvents();
      for await (const beacon of state.client.watch({ signal: controller.signal })) {
        if (token !== state.token) return;
        // Later beacons arrive when their round is due.
        if (beacon.round !== latest.round) accept(beacon, null);
        retryMs = 2000;
        drainEvents();
      }
      return; // aborted
    } catch (err) {
      if (token !== state.token) return;
      showError(err);
      drainEvents();
    }
    // Relays down, or the round not out yet: the error stays up while we wait, backing off
    // to 30 s.
    $('error').append(el('p', { className: 'retry', textContent: `Trying again in ${Math.round(retryMs / 1000)} s.` }));
    await new Promise((resolve) => setTimeout(resolve, retryMs));
    retryMs = Math.min(retryMs * 2, 30_000);
  }
}

function routeFromUrl({ push }) {
  const round = new URLSearchParams(location.search).get('round');
  if (round && /^\d+$/.test(round) && Number(round) > 0) return showRound(Number(round), { push });
  if (round) {
    showError(Object.assign(new Error(`round must be a positive integer, got "${round}"`), { code: 'BAD_ARGUMENT' }));
    return undefined;
  }
  return followLatest({ push });
}

function updateNav() {
  const round = Number($('beacon').dataset.round || 0);
  $('prev-button').disabled = !state.client || !(round > 1);
  $('next-button').disabled = !state.client || !(round > 0) || state.clockRound == null || round + 1 > state.clockRound;
}

// ---------------------------------------------------------------------------------------------
// History and relay events

function renderHistory() {
  const body = $('history-body');
  body.replaceChildren(
    ...state.history.map((entry) => {
      const link = el('a', { href: pageUrl({ round: entry.round }), className: 'round-link', textContent: String(entry.round) });
      link.addEventListener('click', (event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        showRound(entry.round);
      });
      const row = el(
        'tr',
        { className: entry === state.current ? 'current' : '' },
        el('td', {}, el('span', { className: 'check', textContent: '✓', ariaHidden: 'true' }), link),
        el('td', { className: 'hex', textContent: entry.beacon.randomness, title: entry.beacon.randomness }),
        el('td', { className: 'num', textContent: formatMs(entry.verifyMs) }),
        el('td', {}, el('time', { dateTime: new Date(entry.dueMs).toISOString(), textContent: formatTime(entry.dueMs) })),
      );
      row.dataset.round = String(entry.round);
      if (entry === state.current) row.setAttribute('aria-current', 'true');
      return row;
    }),
  );
  $('history-empty').hidden = state.history.length > 0;
}

// Repeated events (one relay failing on every attempt) are folded into one line with a count.
const eventItems = new Map();

function drainEvents() {
  if (!state.client) return;
  let events;
  try {
    events = state.client.events();
  } catch {
    return;
  }
  if (!events?.length) return;
  const list = $('events');
  for (const event of events) {
    const invalid = event.kind === 'invalid';
    const text = `${event.relay}${event.round != null ? ` (round ${event.round})` : ''}: ${event.reason}`;
    const key = `${event.kind} ${text}`;
    let item = eventItems.get(key);
    if (item) {
      item.count += 1;
    } else {
      const node = el(
        'li',
        { className: invalid ? 'invalid' : 'failed' },
        el('span', { className: 'event-time' }),
        el('span', { className: 'event-kind', textContent: invalid ? 'Invalid beacon' : 'Relay failed' }),
        text,
        el('span', { className: 'event-count' }),
      );
      item = { node, count: 1 };
      eventItems.set(key, item);
    }
    item.node.querySelector('.event-time').textContent = formatTime(Date.now());
    item.node.querySelector('.event-count').textContent = item.count > 1 ? ` ×${item.count}` : '';
    list.prepend(item.node);
  }
  while (list.children.length > EVENTS_SIZE) {
    const last = list.lastElementChild;
    for (const [key, item] of eventItems) if (item.node === last) eventItems.delete(key);
    last.remove();
  }
  $('events-empty').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Countdown to the next round, by this device's clock

function tick() {
  if (!state.info) return;
  const now = Date.now();
  const periodMs = state.info.period * 1000;
  try {
    if (state.nextDueMs == null || now >= state.nextDueMs) {
      const latest = Number(state.lib.roundAt(state.info, now));
      state.clockRound = latest;
      state.nextRound = latest + 1;
      state.nextDueMs = Number(state.lib.roundTime(state.info, latest + 1));
      $('next-round').textContent = String(state.nextRound);
      updateNav();
    }
  } catch (err) {
    if (err?.code !== 'BEFORE_GENESIS') throw err;
    state.nextRound = 1;
    state.nextDueMs = state.info.genesis_time * 1000;
    $('next-round').textContent = '1 (genesis)';
  }
  const remaining = Math.max(0, state.nextDueMs - now);
  $('countdown').textContent = formatDuration(remaining);
  const done = Math.min(1, Math.max(0, 1 - remaining / periodMs));
  $('countdown-bar').style.width = `${(done * 100).toFixed(1)}%`;
}

// ---------------------------------------------------------------------------------------------
// Chain choice

// The page served by a drand-node (`drand-node devnet`) follows that node's first chain: the
// node's public API answers `/chains` on the same origin with the chain hashes it serves.
async function detectLocalNode() {
  if (relayUrls.length > 0 || params.has('chain')) return;
  try {
    const response = await fetch('/chains', { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return;
    const hashes = await response.json();
    const hash = Array.isArray(hashes) ? hashes.find((h) => /^[0-9a-f]{64}$/.test(h)) : undefined;
    if (!hash) return;
    relayUrls.push(location.origin);
    params.set('chain', hash);
  } catch {
    // Not served by a node: the public relays it is.
  }
}

function fillChainSelect(presets) {
  const select = $('chain-select');
  const chainParam = params.get('chain');
  if (relayUrls.length > 0) {
    const hosts = relayUrls.map((u) => {
      try {
        return new URL(u).host;
      } catch {
        return u;
      }
    });
    const group = el('optgroup', { label: 'Local' });
    group.append(
      el('option', {
        value: 'relay',
        textContent: `Relay ${hosts.join(', ')} · chain ${shortHash(chainParam ?? '?')}`,
        selected: true,
      }),
    );
    select.append(group);
  }
  const group = el('optgroup', { label: 'Public relays' });
  for (const preset of presets) {
    const label = `${preset.name} · ${preset.info.period} s · ${preset.urls.some((u) => u.includes('testnet')) ? 'testnet' : 'mainnet'}`;
    group.append(
      el('option', {
        value: `preset:${preset.name}`,
        textContent: label,
        selected: relayUrls.length === 0 && (chainParam ?? 'quicknet') === preset.name,
      }),
    );
  }
  select.append(group);
  select.addEventListener('change', () => {
    const value = select.value;
    if (value === 'relay') return;
    const next = new URLSearchParams();
    next.set('chain', value.slice('preset:'.length));
    location.assign(`${location.pathname}?${next}`);
  });
}

async function makeClient(lib, presets) {
  const { Client } = lib;
  const chainParam = params.get('chain');
  if (relayUrls.length > 0) {
    if (!chainParam) {
      throw Object.assign(new Error('add &chain=HASH: a relay is only used for a chain pinned by its hash'), {
        code: 'BAD_ARGUMENT',
      });
    }
    // A preset name is accepted too and stands for its hash.
    const chainHash = presets.find((p) => p.name === chainParam)?.chainHash ?? chainParam;
    $('source').textContent = `Relay${relayUrls.length > 1 ? 's' : ''} ${relayUrls.join(', ')} · chain pinned to ${chainHash}`;
    return Client.create({ urls: relayUrls, chainHash, timeoutMs: RELAY_TIMEOUT_MS });
  }
  const name = chainParam ?? 'quicknet';
  const preset = presets.find((p) => p.name === name || p.chainHash === name);
  if (!preset) {
    throw Object.assign(new Error(`unknown chain "${name}"; known: ${presets.map((p) => p.name).join(', ')}`), {
      code: 'BAD_ARGUMENT',
    });
  }
  $('source').textContent = `Public relays: ${preset.urls.join(', ')}`;
  const options = { timeoutMs: RELAY_TIMEOUT_MS };
  return preset.name === 'quicknet' ? Client.quicknet(options) : Client.preset(preset.name, options);
}

function showChain(info) {
  $('chain-id').textContent = info.beacon_id || 'default';
  $('chain-scheme').textContent = info.scheme;
  setTime($('chain-genesis'), info.genesis_time * 1000, formatDate);
  $('chain-hash').textContent = info.chain_hash;
  $('period').textContent = info.period === 1 ? 'second' : `${info.period} seconds`;
}

// ---------------------------------------------------------------------------------------------
// Start

function wireControls() {
  $('source-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!state.client) return;
    const text = $('round-input').value.trim();
    if (text === '') {
      followLatest();
    } else if (/^\d+$/.test(text) && Number(text) > 0 && Number.isSafeInteger(Number(text))) {
      showRound(Number(text));
    } else {
      $('round-hint').textContent = 'A round is a positive whole number.';
      $('round-input').setAttribute('aria-invalid', 'true');
      $('round-input').focus();
      return;
    }
    $('round-hint').textContent = '';
    $('round-input').removeAttribute('aria-invalid');
  });
  $('latest-button').addEventListener('click', () => state.client && followLatest());
  $('prev-button').addEventListener('click', () => {
    const round = Number($('beacon').dataset.round);
    if (round > 1) showRound(round - 1);
  });
  $('next-button').addEventListener('click', () => {
    const round = Number($('beacon').dataset.round);
    if (round > 0) showRound(round + 1);
  });
  $('copy-button').addEventListener('click', async () => {
    const text = $('randomness').textContent;
    try {
      await navigator.clipboard.writeText(text);
      $('copy-button').textContent = 'Copied';
    } catch {
      getSelection()?.selectAllChildren($('randomness'));
      $('copy-button').textContent = 'Selected';
    }
    setTimeout(() => ($('copy-button').textContent = 'Copy'), 1500);
  });
  window.addEventListener('popstate', () => state.client && routeFromUrl({ push: false }));
}

async function main() {
  wireControls();
  let lib;
  try {
    lib = await import(PKG_ENTRY);
  } catch (err) {
    showError(
      Object.assign(new Error(`could not load the package from ${PKG_ENTRY} (${err?.message ?? err}); scripts/serve-www builds and serves it`), {
        code: 'PACKAGE_NOT_LOADED',
      }),
    );
    return;
  }
  state.lib = lib;
  const presets = lib.Client.presets();
  await detectLocalNode();
  fillChainSelect(presets);
  setStatus('loading', relayUrls.length ? 'Connecting to the relay…' : 'Connecting…');
  try {
    state.client = await makeClient(lib, presets);
    state.info = state.client.info();
    state.chainHash = state.info.chain_hash;
  } catch (err) {
    showError(err, params.get('round'));
    drainEvents();
    return;
  }
  showChain(state.info);
  tick();
  setInterval(tick, 100);
  setInterval(drainEvents, 1000);
  document.documentElement.dataset.ready = 'true';
  routeFromUrl({ push: false });
}

main();
