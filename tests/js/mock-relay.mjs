#!/usr/bin/env node
// A local drand HTTP relay that serves the real beacons of ../shared/vectors, for tests and the
// demo page. Dependency-free (node:http, node:crypto, node:fs).
//
// It speaks drand's relay API (drand/http-relay routes, see
// ../shared/docs/drand-client-reference.md §A2–A3):
//   v1  GET /chains, /{hash}/info, /{hash}/health, /{hash}/public/latest, /{hash}/public/{round}
//       and the legacy default-chain routes /info, /health, /public/latest, /public/{round}
//   v2  GET /v2/chains, /v2/chains/{hash}/info|health|rounds/{round}|rounds/latest|rounds/next,
//       /v2/beacons, /v2/beacons/{beaconID}/info|health|rounds/...
// v2 beacons carry no `randomness` and v2 info uses the v2 field names. Past rounds and /info
// are `immutable`; `latest` is cacheable until the next round; errors are never cached. CORS is
// open (`*`), as on drand's relays.
//
// It never fabricates a beacon: it has no key, so everything it serves honestly is a real,
// signed beacon from the vector files. Each chain has a virtual clock (the real clock shifted so
// that a chosen vector round is the latest; by default the chain's highest vector round), which
// decides what is "past" (served, or 404 when the vectors lack it), "latest", "next" (a long
// poll, answered when its time comes if the vectors have it) and "future" (425 Too Early).
// Light clients compute the round from their *own* clock and never trust a relay's latest, so
// against this relay use `client.get(round)` with vector rounds, or fake the client's clock to
// the relay's virtual clock (`relay.clock(chain).nowMs()`), as tests/js/chromium.test.mjs does
// with Playwright's clock; `latest()` against real time is for real relays or a devnet.
//
// Lying modes (for failover tests) are switched on per relay (`faults` option, `setFaults`) or
// per request path: every route is also served under `/_fault/<spec>/...`, so one process is an
// honest relay at `url` and a lying one at `faultUrl('bad-signature')`. Specs, comma-separated:
//   bad-signature   a genuine signature of another round (valid point, fails the pairing check;
//                   randomness recomputed so only the signature is wrong)
//   wrong-round     the genuine beacon of another round (the `round` field differs)
//   bad-randomness  randomness that is not sha256(signature) (v1 only; v2 sends none)
//   wrong-info      chain info with another period (does not hash to the chain hash)
//   status-NNN      every beacon route answers HTTP NNN (e.g. status-500, status-425)
//   info-status-NNN /info answers HTTP NNN
//   slow-MS         every answer is delayed by MS milliseconds (timeouts)
//   drop            beacon routes destroy the connection without answering
// Faulty answers are `Cache-Control: no-store`.
//
// CLI:
//   node tests/js/mock-relay.mjs [--port 0] [--host 127.0.0.1] [--vectors DIR]
//        [--latest CHAIN:ROUND]... [--now-round CHAIN:ROUND]... [--frozen] [--fault SPEC] [--quiet]
// CHAIN is a chain hash, a beacon ID ("quicknet") or a vector file name ("mainnet-quicknet").
// The first stdout line is `MOCK_RELAY_URL=http://127.0.0.1:PORT`; then one line per chain.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const U64_MAX = (1n << 64n) - 1n;
const IMMUTABLE = 'public, max-age=604800, immutable';
const NO_STORE = 'no-store';

/** The vectors directory: $DRAND_VECTORS, else ../shared/vectors next to the repository. */
export function vectorsDir() {
  return resolve(process.env.DRAND_VECTORS || join(REPO, '..', 'shared', 'vectors'));
}

export const sha256hex = (hex) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

/** Unix ms at which `round` is due: genesis + (round − 1)·period. */
export function roundTimeMs(info, round) {
  return (info.genesis_time + (Number(round) - 1) * info.period) * 1000;
}

/** The latest round at Unix ms `ms` (0 before genesis). */
export function roundAtMs(info, ms) {
  const elapsed = Math.floor(ms / 1000) - info.genesis_time;
  return elapsed < 0 ? 0 : Math.floor(elapsed / info.period) + 1;
}

/** v1 chain info → v2 shape (drand/http-relay `JsonInfoV2`). */
export function toV2Info(info) {
  return {
    public_key: info.public_key,
    period: info.period,
    genesis_time: info.genesis_time,
    genesis_seed: info.groupHash,
    chain_hash: info.hash,
    scheme: info.schemeID,
    beacon_id: info.metadata?.beaconID ?? '',
  };
}

/** A vector beacon as a relay sends it: v1 with randomness, v2 without. */
export function beaconJson(beacon, api = 'v1') {
  const out = { round: beacon.round };
  if (api === 'v1') out.randomness = beacon.randomness;
  out.signature = beacon.signature;
  if (beacon.previous_signature) out.previous_signature = beacon.previous_signature;
  return out;
}

/**
 * Every chain of the vector files that have chain info and beacons (scheme-only, hash-to-curve
 * and tlock files are skipped). Returns `Map<hash, {name, file, info, beaconId, rounds, beacons}>`
 * with `beacons: Map<round, beacon>` and `rounds` sorted.
 */
export function loadVectors(dir = vectorsDir()) {
  const chains = new Map();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && statSync(join(dir, f)).isFile())
    .sort();
  for (const file of files) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      continue;
    }
    if (!doc?.chain?.hash || !Array.isArray(doc.beacons)) continue;
    const beacons = new Map();
    for (const b of doc.beacons) beacons.set(b.round, b);
    if (beacons.size === 0) continue;
    chains.set(doc.chain.hash, {
      name: file.replace(/\.json$/, ''),
      file: join(dir, file),
      info: doc.chain,
      beaconId: doc.chain.metadata?.beaconID ?? '',
      beacons,
      rounds: [...beacons.keys()].sort((a, b) => a - b),
      invalid: doc.invalid ?? [],
    });
  }
  if (chains.size === 0) throw new Error(`no chain vector files in ${dir}`);
  return chains;
}

/** Parses a fault spec string (`"bad-signature,slow-2000"`) into a faults object. */
export function parseFaults(spec) {
  const faults = {};
  for (const part of String(spec).split(',').map((s) => s.trim()).filter(Boolean)) {
    let m;
    if (part === 'bad-signature') faults.badSignature = true;
    else if (part === 'wrong-round') faults.wrongRound = true;
    else if (part === 'bad-randomness') faults.badRandomness = true;
    else if (part === 'wrong-info') faults.wrongInfo = true;
    else if (part === 'drop') faults.drop = true;
    else if ((m = /^status-(\d{3})$/.exec(part))) faults.status = Number(m[1]);
    else if ((m = /^info-status-(\d{3})$/.exec(part))) faults.infoStatus = Number(m[1]);
    else if ((m = /^slow-(\d+)$/.exec(part))) faults.delayMs = Number(m[1]);
    else throw new Error(`unknown fault ${JSON.stringify(part)}`);
  }
  return faults;
}

function normalizeFaults(faults) {
  if (!faults) return {};
  return typeof faults === 'string' ? parseFaults(faults) : { ...faults };
}

const hasFault = (f) => Object.values(f).some((v) => v !== undefined && v !== false);

/**
 * Starts a mock relay on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {number} [options.port=0]          0 picks a free port
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.vectorsDir]      default: vectorsDir()
 * @param {Record<string, number|bigint>} [options.latest]  chain (hash, beacon ID or file
 *        name) → the round that is the latest at start (default: the chain's highest vector round)
 * @param {boolean} [options.frozen=false]   virtual clocks do not advance
 * @param {object|string} [options.faults]   lying modes for every request (see the file header)
 * @param {string} [options.defaultChain]    chain of the legacy root routes (default: mainnet default)
 * @returns {Promise<MockRelay>} `{url, port, chains, clock(chain), faultUrl(spec), setFaults(f),
 *          requests, resetRequests(), close()}`
 */
export async function startMockRelay(options = {}) {
  const {
    port = 0,
    host = '127.0.0.1',
    vectorsDir: dir = vectorsDir(),
    latest = {},
    frozen = false,
    defaultChain,
  } = options;
  let faults = normalizeFaults(options.faults);
  const chains = loadVectors(dir);

  const lookup = (key) => {
    const k = String(key);
    if (chains.has(k)) return chains.get(k);
    for (const c of chains.values()) if (c.name === k || c.name === k.replace(/\.json$/, '')) return c;
    for (const c of chains.values()) if (c.beaconId === k) return c;
    return undefined;
  };
  const byBeaconId = new Map();
  for (const c of chains.values()) {
    // Several chains are called "default"; mainnet's wins, as on the public relays.
    if (!byBeaconId.has(c.beaconId) || c.name === 'mainnet-default') byBeaconId.set(c.beaconId, c);
  }
  const rootChain = defaultChain
    ? lookup(defaultChain)
    : (lookup('8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce') ?? chains.values().next().value);
  if (!rootChain) throw new Error(`unknown default chain ${defaultChain}`);

  // Virtual clocks: virtual now = real now + offset.
  const started = Date.now();
  for (const c of chains.values()) c.latestAtStart = c.rounds.at(-1);
  for (const [key, round] of Object.entries(latest)) {
    const c = lookup(key);
    if (!c) throw new Error(`latest: unknown chain ${key}`);
    c.latestAtStart = Number(round);
  }
  for (const c of chains.values()) c.offsetMs = roundTimeMs(c.info, c.latestAtStart) - started;
  const nowMsOf = (c) => (frozen ? started : Date.now()) + c.offsetMs;
  const latestOf = (c) => roundAtMs(c.info, nowMsOf(c));

  const requests = [];
  const sockets = new Set();
  const pending = new Set();

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { error: String(err?.message ?? err) }, NO_STORE);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function send(res, status, body, cache, extra = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': cache,
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Cache-Control, Retry-After',
      'Timing-Allow-Origin': '*',
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        pending.delete(t);
        resolve();
      }, ms);
      pending.add(t);
    });
  }

  // A genuine beacon of another round of the same chain, for the lying modes.
  function otherBeacon(c, round) {
    const others = c.rounds.filter((r) => r !== round);
    if (others.length === 0) return undefined;
    return c.beacons.get(others.reduce((a, b) => (Math.abs(b - round) < Math.abs(a - round) ? b : a)));
  }

  // Applies beacon-level faults to a genuine beacon; returns [body, lied].
  function lie(c, beacon, f, api) {
    let out = beaconJson(beacon, api);
    let lied = false;
    if (f.wrongRound) {
      const other = otherBeacon(c, beacon.round);
      if (other) out = beaconJson(other, api);
      else out.round = beacon.round + 1;
      lied = true;
    }
    if (f.badSignature) {
      const other = otherBeacon(c, beacon.round);
      // A canonical point that is not this round's signature; without another beacon, the
      // signature of a mutated-round invalid[] entry or a flipped bit.
      const sig = other?.signature ?? c.invalid.find((i) => i.signature !== beacon.signature)?.signature ??
        beacon.signature.slice(0, -1) + (beacon.signature.at(-1) === '0' ? '1' : '0');
      out.signature = sig;
      if (api === 'v1') out.randomness = sha256hex(sig);
      lied = true;
    }
    if (f.badRandomness && api === 'v1') {
      out.randomness = sha256hex(out.randomness);
      lied = true;
    }
    return [out, lied];
  }

  function infoBody(c, api, f) {
    let info = c.info;
    if (f.wrongInfo) info = { ...info, period: info.period + 1 };
    return api === 'v2' ? toV2Info(info) : info;
  }

  function health(res, c, f) {
    const expected = latestOf(c);
    const have = c.rounds.filter((r) => r <= expected);
    const current = have.length ? have.at(-1) : 0;
    send(res, current >= expected - 1 ? 200 : 503, { current, expected }, NO_STORE);
  }

  // Serves `round` (a string from the path; "latest", "next" or digits) of chain `c`.
  async function serveRound(req, res, c, roundText, api, f) {
    if (f.drop) {
      req.socket.destroy();
      return;
    }
    if (f.status) {
      send(res, f.status, { error: `mock relay fault: HTTP ${f.status}` }, NO_STORE);
      return;
    }
    const latestRound = latestOf(c);
    let round;
    let cache = IMMUTABLE;
    if (roundText === 'latest' || roundText === '0') {
      round = latestRound;
      const nextMs = roundTimeMs(c.info, latestRound + 1);
      cache = `public, must-revalidate, max-age=${Math.max(0, Math.ceil((nextMs - nowMsOf(c)) / 1000))}`;
    } else if (roundText === 'next') {
      round = latestRound + 1;
    } else if (/^\d{1,20}$/.test(roundText) && BigInt(roundText) <= U64_MAX) {
      const big = BigInt(roundText);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        send(res, 425, { error: `round ${roundText} is too early` }, NO_STORE);
        return;
      }
      round = Number(big);
    } else {
      send(res, 400, { error: `invalid round ${JSON.stringify(roundText)}` }, NO_STORE);
      return;
    }
    if (round > latestRound) {
      // The next round is long-polled until its time, as drand relays do, when we have it.
      const waitMs = roundTimeMs(c.info, round) - nowMsOf(c);
      if (round === latestRound + 1 && !frozen && c.beacons.has(round) && waitMs <= c.info.period * 1000) {
        await sleep(Math.max(0, waitMs));
        cache = IMMUTABLE;
      } else {
        send(res, 425, { error: `round ${round} is too early` }, NO_STORE, {
          'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))),
        });
        return;
      }
    }
    const beacon = c.beacons.get(round);
    if (!beacon) {
      send(res, 404, { error: `round ${round} not found` }, NO_STORE);
      return;
    }
    const [body, lied] = lie(c, beacon, f, api);
    send(res, 200, body, lied ? NO_STORE : cache);
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://relay');
    let path = url.pathname.replace(/\/+$/, '') || '/';
    let f = faults;
    const faultPrefix = /^\/_fault\/([^/]+)(\/.*|)$/.exec(path);
    if (faultPrefix) {
      try {
        f = { ...faults, ...parseFaults(decodeURIComponent(faultPrefix[1])) };
      } catch (err) {
        send(res, 400, { error: err.message }, NO_STORE);
        return;
      }
      path = faultPrefix[2] || '/';
    }
    requests.push({ method: req.method, path, faulty: hasFault(f), at: Date.now() });

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: 'method not allowed' }, NO_STORE, { Allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    if (f.delayMs) await sleep(f.delayMs);

    const parts = path.split('/').filter(Boolean);
    const info = (c, api) => {
      if (f.infoStatus) send(res, f.infoStatus, { error: `mock relay fault: HTTP ${f.infoStatus}` }, NO_STORE);
      else send(res, 200, infoBody(c, api, f), f.wrongInfo ? NO_STORE : IMMUTABLE);
    };
    // Routes under one chain: [info] | [health] | [public, R] (v1) | [rounds, R] (v2).
    const chainRoute = async (c, rest, api) => {
      if (!c) return send(res, 404, { error: 'unknown chain' }, NO_STORE);
      if (rest.length === 1 && rest[0] === 'info') return info(c, api);
      if (rest.length === 1 && rest[0] === 'health') return health(res, c, f);
      const word = api === 'v1' ? 'public' : 'rounds';
      if (rest.length === 2 && rest[0] === word) return serveRound(req, res, c, rest[1], api, f);
      return send(res, 404, { error: 'not found' }, NO_STORE);
    };

    if (parts.length === 0) {
      return send(res, 200, { relay: 'drand-lite mock relay', chains: [...chains.keys()] }, NO_STORE);
    }
    if (parts[0] === 'chains' && parts.length === 1) return send(res, 200, [...chains.keys()], NO_STORE);
    if (parts[0] === 'v2') {
      if (parts[1] === 'chains') {
        if (parts.length === 2) return send(res, 200, [...chains.keys()], NO_STORE);
        return chainRoute(chains.get(parts[2]), parts.slice(3), 'v2');
      }
      if (parts[1] === 'beacons') {
        if (parts.length === 2) return send(res, 200, [...byBeaconId.keys()], NO_STORE);
        return chainRoute(byBeaconId.get(parts[2]), parts.slice(3), 'v2');
      }
      return send(res, 404, { error: 'not found' }, NO_STORE);
    }
    if (['info', 'health', 'public'].includes(parts[0])) return chainRoute(rootChain, parts, 'v1');
    if (/^[0-9a-f]{64}$/.test(parts[0])) return chainRoute(chains.get(parts[0]), parts.slice(1), 'v1');
    return send(res, 404, { error: 'not found' }, NO_STORE);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;

  return {
    url,
    port: actualPort,
    chains,
    server,
    requests,
    /** The chain of a hash, beacon ID or file name. */
    chain: lookup,
    /** Base URL of a relay that lies as `spec` says (e.g. `"bad-signature"`, `"status-500"`). */
    faultUrl: (spec) => `${url}/_fault/${encodeURIComponent(spec)}`,
    /** Replaces the relay-wide faults (object or spec string; `{}` for honest). */
    setFaults(next) {
      faults = normalizeFaults(next);
    },
    resetRequests() {
      requests.length = 0;
    },
    /** The virtual clock of a chain: `{ nowMs(), latest(), offsetMs }`. */
    clock(key) {
      const c = lookup(key);
      if (!c) throw new Error(`unknown chain ${key}`);
      return { nowMs: () => nowMsOf(c), latest: () => latestOf(c), offsetMs: c.offsetMs };
    },
    async close() {
      for (const t of pending) clearTimeout(t);
      pending.clear();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** Runs `fn(relay)` with a relay started from `options`, closing it afterwards. */
export async function withMockRelay(options, fn) {
  const relay = await startMockRelay(options);
  try {
    return await fn(relay);
  } finally {
    await relay.close();
  }
}

function usage() {
  return `usage: node tests/js/mock-relay.mjs [--port N] [--host H] [--vectors DIR]
       [--latest CHAIN:ROUND]... [--now-round CHAIN:ROUND]... [--frozen] [--fault SPEC] [--quiet]`;
}

async function main(argv) {
  const opts = { port: 0, latest: {} };
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value\n${usage()}`);
      return argv[++i];
    };
    if (arg === '--port') opts.port = Number(value());
    else if (arg === '--host') opts.host = value();
    else if (arg === '--vectors') opts.vectorsDir = resolve(value());
    else if (arg === '--latest' || arg === '--now-round') {
      const v = value();
      const at = v.lastIndexOf(':');
      if (at < 1 || !/^\d+$/.test(v.slice(at + 1))) throw new Error(`${arg} wants CHAIN:ROUND, got ${v}`);
      opts.latest[v.slice(0, at)] = Number(v.slice(at + 1));
    } else if (arg === '--frozen') opts.frozen = true;
    else if (arg === '--fault') opts.faults = value();
    else if (arg === '--quiet') quiet = true;
    else if (arg === '-h' || arg === '--help') {
      console.log(usage());
      return;
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  const relay = await startMockRelay(opts);
  console.log(`MOCK_RELAY_URL=${relay.url}`);
  if (!quiet) {
    for (const [hash, c] of relay.chains) {
      const r = c.rounds;
      console.log(
        `${c.name.padEnd(26)} ${hash}  ${c.info.schemeID}  latest ${relay.clock(hash).latest()}  ` +
          `rounds ${r.length > 6 ? `${r.slice(0, 3).join(',')},…,${r.slice(-2).join(',')}` : r.join(',')}`,
      );
    }
    console.log(`lying relay example: ${relay.faultUrl('bad-signature')}`);
  }
  const stop = async () => {
    await relay.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message ?? err);
    process.exit(2);
  });
}
