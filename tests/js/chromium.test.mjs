// The demo page (www/) in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core), loading the built package from /pkg/ and verifying real beacons served by the
// mock relay. Offline: every request that is not to 127.0.0.1 is aborted (and the test fails).
//
//   node --test tests/js/chromium.test.mjs
//
// Needs the package built (scripts/build-pkg). Writes target/www-screenshot.png (the page
// following quicknet with a verified history) and target/www-screenshot-lying-relay.png.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CHROMIUM, launchOffline } from './lib/chromium.mjs';

import { roundTimeMs, startMockRelay } from './mock-relay.mjs';
import { startStaticServer } from './static-server.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT = join(REPO, 'target', 'www-screenshot.png');
const SCREENSHOT_LYING = join(REPO, 'target', 'www-screenshot-lying-relay.png');
const WAIT_MS = 20_000;

let relay;
let www;
let context;
let userDataDir;
const blocked = [];

/** The page URL for a relay base URL (or several), a chain and optionally a round. */
function pageUrl({ relays, chain, round }) {
  const q = new URLSearchParams();
  for (const r of [relays].flat()) q.append('relay', r);
  q.set('chain', chain);
  if (round != null) q.set('round', String(round));
  return `${www.url}?${q}`;
}

/**
 * Opens a page that records every status the beacon panel takes (so a test can assert that
 * "verified" never appeared) and every uncaught error.
 */
async function openPage(url, { clockMs } = {}) {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  const consoleLines = [];
  page.on('pageerror', (err) => errors.push(err));
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  await page.addInitScript(() => {
    window.__statuses = [];
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.id === 'beacon') window.__statuses.push(r.target.getAttribute('data-status'));
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
  });
  if (clockMs != null) await page.clock.install({ time: clockMs });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, consoleLines };
}

/** Waits until the beacon panel settles (verified, failed or waiting) and returns its status. */
async function settledStatus(page) {
  const handle = await page.waitForFunction(() => {
    const s = document.getElementById('beacon')?.dataset.status;
    return s === 'verified' || s === 'failed' || s === 'waiting' ? s : false;
  });
  return handle.jsonValue();
}

/** Like settledStatus, for the panel showing `round`. */
async function settledStatusOf(page, round) {
  const handle = await page.waitForFunction((r) => {
    const b = document.getElementById('beacon');
    const s = b?.dataset.status;
    return b.dataset.round === String(r) && (s === 'verified' || s === 'failed' || s === 'waiting') ? s : false;
  }, round);
  return handle.jsonValue();
}

async function pageText(page, selector) {
  return (await page.locator(selector).textContent())?.trim();
}

function explain(opened) {
  return `\nconsole:\n${opened.consoleLines.join('\n')}\nerror box: `;
}

before(async () => {
  assert.ok(
    existsSync(join(REPO, 'pkg', 'gen', 'full', 'drand_lite_bg.wasm')),
    'pkg/ is not built: run scripts/build-pkg first',
  );
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
  relay = await startMockRelay();
  www = await startStaticServer();
  userDataDir = mkdtempSync(join(tmpdir(), 'drand-lite-chromium-'));
  context = await launchOffline(userDataDir, blocked);
});

after(async () => {
  await context?.close().catch(() => {});
  await Promise.all([relay?.close(), www?.close()].filter(Boolean));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  assert.deepEqual(blocked, [], 'the page tried to leave the loopback interface');
});

describe('www/ in headless Chromium', { timeout: 120_000 }, () => {
  // One real round per BLS12-381 scheme.
  const cases = [
    ['mainnet-quicknet', 1000, 'bls-unchained-g1-rfc9380'],
    ['mainnet-default', 1, 'pedersen-bls-chained'],
    ['testnet-unchained-3s', 1000, 'pedersen-bls-unchained'],
    ['testnet-g', 375953, 'bls-unchained-on-g1'],
  ];
  for (const [name, round, scheme] of cases) {
    test(`verifies ${name} round ${round} (${scheme}) from the mock relay`, async () => {
      const chain = relay.chain(name);
      const expected = chain.beacons.get(round);
      const opened = await openPage(pageUrl({ relays: relay.url, chain: chain.info.hash, round }));
      const { page, errors } = opened;
      try {
        const status = await settledStatus(page);
        assert.equal(status, 'verified', explain(opened) + (await pageText(page, '#error')));
        assert.equal(await pageText(page, '#round'), String(round));
        assert.equal(await pageText(page, '#randomness'), expected.randomness);
        assert.equal(await pageText(page, '#signature'), expected.signature);
        assert.match(await pageText(page, '#verify-ms'), /^\d+(\.\d+)? ms$/);
        assert.equal(await pageText(page, '#chain-scheme'), scheme);
        assert.equal(await pageText(page, '#chain-hash'), chain.info.hash);
        assert.equal(await page.locator('#history-body tr').count(), 1);
        assert.equal(await page.locator('#history-body tr[data-round] td.hex').textContent(), expected.randomness);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }

  test('navigates between rounds with the buttons, the form and the history', async () => {
    const chain = relay.chain('quicknet');
    const opened = await openPage(pageUrl({ relays: relay.url, chain: chain.info.hash, round: 1000 }));
    const { page, errors } = opened;
    const showing = async (round) => {
      await page.waitForFunction(
        (r) => {
          const b = document.getElementById('beacon');
          return b.dataset.status === 'verified' && b.dataset.round === String(r);
        },
        round,
      );
      assert.equal(await pageText(page, '#randomness'), chain.beacons.get(round).randomness);
      assert.equal(new URL(page.url()).searchParams.get('round'), String(round));
    };
    try {
      await showing(1000);
      await page.getByRole('button', { name: 'Next round →' }).click();
      await showing(1001);
      await page.getByRole('textbox', { name: /^Round/ }).fill('1004');
      await page.getByRole('button', { name: 'Show' }).click();
      await showing(1004);
      await page.getByRole('button', { name: '← Previous round' }).click();
      await showing(1003);
      await page.locator('#history-body a', { hasText: /^1000$/ }).click();
      await showing(1000);
      await page.goBack();
      await showing(1003);
      const rows = await page.locator('#history-body tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.round)));
      assert.deepEqual(rows, [1003, 1000, 1004, 1001]);
      // A round the vectors lack: the relay answers 404 and nothing is shown as verified.
      await page.getByRole('textbox', { name: /^Round/ }).fill('999');
      await page.getByRole('button', { name: 'Show' }).click();
      assert.notEqual(await settledStatusOf(page, 999), 'verified');
      assert.equal(await pageText(page, '#randomness'), '—');
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  // Lying or broken relays: the page must show a failure and never "verified".
  const lies = [
    ['bad-signature', 'failed', 'invalid'],
    ['wrong-round', 'failed', 'invalid'],
    ['bad-randomness', 'failed', 'invalid'],
    ['status-500', 'failed', 'failed'],
    ['status-425', 'waiting', null],
  ];
  for (const [fault, want, eventKind] of lies) {
    test(`a relay with fault ${fault} is shown as ${want}, never verified`, async () => {
      const chain = relay.chain('quicknet');
      const expected = chain.beacons.get(1000);
      const opened = await openPage(pageUrl({ relays: relay.faultUrl(fault), chain: chain.info.hash, round: 1000 }));
      const { page, errors } = opened;
      try {
        const status = await settledStatus(page);
        assert.equal(status, want, explain(opened) + (await pageText(page, '#error')));
        const statuses = await page.evaluate(() => window.__statuses);
        assert.ok(!statuses.includes('verified'), `statuses: ${statuses}`);
        assert.ok(await page.locator('#error').isVisible());
        const error = await pageText(page, '#error');
        assert.match(error, want === 'waiting' ? /^TOO_EARLY/ : /^ALL_RELAYS_FAILED/);
        assert.notEqual(await pageText(page, '#randomness'), expected.randomness);
        assert.equal(await page.locator('#history-body tr').count(), 0);
        if (eventKind) {
          const events = page.locator(`#events li.${eventKind}`);
          await events.first().waitFor();
          assert.match(await events.first().textContent(), new RegExp(fault.replace('-', '.')));
        }
        if (fault === 'bad-signature') {
          mkdirSync(dirname(SCREENSHOT_LYING), { recursive: true });
          await page.screenshot({ path: SCREENSHOT_LYING, fullPage: true });
        }
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }

  test('chain info that does not hash to the pinned chain is refused', async () => {
    const chain = relay.chain('quicknet');
    const opened = await openPage(pageUrl({ relays: relay.faultUrl('wrong-info'), chain: chain.info.hash, round: 1000 }));
    try {
      assert.equal(await settledStatus(opened.page), 'failed');
      assert.match(await pageText(opened.page, '#error'), /CHAIN_HASH_MISMATCH|ALL_RELAYS_FAILED/);
      assert.ok(!(await opened.page.evaluate(() => window.__statuses)).includes('verified'));
    } finally {
      await opened.page.close();
    }
  });

  test('fails over from a lying relay to an honest one and reports the lie', async () => {
    const chain = relay.chain('quicknet');
    const expected = chain.beacons.get(1001);
    const opened = await openPage(
      pageUrl({ relays: [relay.faultUrl('bad-signature'), relay.url], chain: chain.info.hash, round: 1001 }),
    );
    const { page, errors } = opened;
    try {
      assert.equal(await settledStatus(page), 'verified', explain(opened) + (await pageText(page, '#error')));
      assert.equal(await pageText(page, '#randomness'), expected.randomness);
      const event = page.locator('#events li.invalid').first();
      await event.waitFor();
      assert.match(await event.textContent(), /_fault\/bad-signature.*round 1001/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  test('without parameters it follows mainnet quicknet through the public relays (offline here: a failure)', async () => {
    const opened = await openPage(www.url);
    const { page, errors } = opened;
    try {
      await page.locator('#chain-select option').first().waitFor({ state: 'attached' });
      assert.equal(await page.locator('#chain-select').inputValue(), 'preset:quicknet');
      const presets = await page.locator('#chain-select option').evaluateAll((os) => os.map((o) => o.value));
      assert.ok(presets.includes('preset:default'), `options: ${presets}`);
      assert.equal(await settledStatus(page), 'failed');
      assert.match(await pageText(page, '#error'), /^ALL_RELAYS_FAILED/);
      assert.match(await pageText(page, '#source'), /https:\/\/api\.drand\.sh/);
      await page.locator('#events li.failed').first().waitFor();
      assert.ok(!(await page.evaluate(() => window.__statuses)).includes('verified'));
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
    // Those requests were aborted by the test's offline guard; nothing else may have been.
    const hosts = new Set(blocked.map((u) => new URL(u).host));
    for (const host of hosts) assert.match(host, /drand\.sh|drand\.cloudflare\.com|secureweb3\.com/);
    assert.ok(hosts.size > 0);
    blocked.length = 0;
  });

  test('follows the latest round (clock set to the vectors) with countdown and history', async (t) => {
    const chain = relay.chain('quicknet');
    // The browser's clock starts just after round 1000 of quicknet; 1001.. come every 3 s.
    const start = roundTimeMs(chain.info, 1000) + 400;
    const opened = await openPage(pageUrl({ relays: relay.url, chain: chain.info.hash }), { clockMs: start });
    const { page, errors } = opened;
    try {
      assert.equal(await settledStatus(page), 'verified', explain(opened) + (await pageText(page, '#error')));
      assert.equal(await pageText(page, '#round'), '1000');
      await page.waitForFunction(() => document.querySelectorAll('#history-body tr').length >= 4, null, {
        timeout: 15_000,
      });
      const rows = await page.locator('#history-body tr').evaluateAll((trs) =>
        trs.map((tr) => [Number(tr.dataset.round), tr.querySelector('td.hex').textContent]),
      );
      const rounds = rows.map(([r]) => r);
      assert.deepEqual(rounds.slice(-4), [1003, 1002, 1001, 1000], `each round once, in order: ${rounds}`);
      for (const [round, randomness] of rows) assert.equal(randomness, chain.beacons.get(round).randomness);
      assert.equal(await pageText(page, '#randomness'), chain.beacons.get(rounds[0]).randomness);
      assert.match(await pageText(page, '#status-text'), /^Verified/);
      assert.match(await pageText(page, '#countdown'), /^\d+\.\d s$/);
      await page.waitForFunction(
        (next) => document.getElementById('next-round').textContent === String(next),
        rounds[0] + 1,
        { timeout: 2000 },
      );
      const statuses = await page.evaluate(() => window.__statuses);
      assert.ok(!statuses.includes('failed'), `statuses: ${statuses}`);
      // Freeze the countdown 1.3 s before the next round for a steady picture.
      await page.clock.pauseAt(roundTimeMs(chain.info, rounds[0] + 1) - 1300);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.ok(readFileSync(SCREENSHOT).length > 10_000);
      t.diagnostic(`screenshot: ${SCREENSHOT}`);
      console.log(`screenshot: ${SCREENSHOT}`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
