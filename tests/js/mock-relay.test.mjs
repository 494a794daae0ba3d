// The mock relay itself: routes and shapes of drand's v1/v2 relay API, status codes, cache and
// CORS headers, virtual clocks, lying modes, and — with the built package — that everything it
// serves honestly verifies and every lie fails verification.
//
//   node --test tests/js/mock-relay.test.mjs

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadVectors, roundAtMs, roundTimeMs, sha256hex, startMockRelay, withMockRelay } from './mock-relay.mjs';

const PKG_NODE = new URL('../../pkg/entry/full/node.js', import.meta.url);
const PKG_BUILT = existsSync(new URL('../../pkg/gen/full/drand_lite_bg.wasm', import.meta.url));
const QUICKNET = '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971';

let relay;
before(async () => {
  relay = await startMockRelay({ latest: { quicknet: 1002 } });
});
after(async () => {
  await relay?.close();
});

async function get(path, base = relay.url) {
  const res = await fetch(base + path);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

test('v1 and v2 routes serve the vectors with drand shapes, CORS and cache headers', async () => {
  const chains = await get('/chains');
  assert.equal(chains.status, 200);
  assert.ok(chains.body.includes(QUICKNET));
  assert.deepEqual((await get('/v2/chains')).body, chains.body);

  const v1 = await get(`/${QUICKNET}/info`);
  assert.equal(v1.headers.get('access-control-allow-origin'), '*');
  assert.match(v1.headers.get('cache-control'), /immutable/);
  assert.deepEqual(v1.body, relay.chain(QUICKNET).info);
  const v2 = await get(`/v2/chains/${QUICKNET}/info`);
  assert.deepEqual(Object.keys(v2.body).sort(), [
    'beacon_id', 'chain_hash', 'genesis_seed', 'genesis_time', 'period', 'public_key', 'scheme',
  ]);
  assert.equal(v2.body.chain_hash, QUICKNET);
  assert.equal(v2.body.genesis_seed, v1.body.groupHash);
  assert.deepEqual((await get('/v2/beacons/quicknet/info')).body, v2.body);

  const b1 = await get(`/${QUICKNET}/public/1000`);
  const vector = relay.chain(QUICKNET).beacons.get(1000);
  assert.deepEqual(b1.body, { round: 1000, randomness: vector.randomness, signature: vector.signature });
  assert.match(b1.headers.get('cache-control'), /immutable/);
  const b2 = await get(`/v2/chains/${QUICKNET}/rounds/1000`);
  assert.deepEqual(b2.body, { round: 1000, signature: vector.signature });

  // Chained beacons keep previous_signature; the legacy root routes are mainnet default.
  const d = await get('/public/1');
  assert.equal(d.body.previous_signature, relay.chain('mainnet-default').beacons.get(1).previous_signature);
});

test('status codes: latest, unknown and future rounds, bad input, unknown chains', async () => {
  const latest = await get(`/${QUICKNET}/public/latest`);
  assert.equal(latest.body.round, 1002);
  assert.match(latest.headers.get('cache-control'), /max-age=\d+/);
  assert.equal((await get(`/v2/chains/${QUICKNET}/rounds/latest`)).body.round, 1002);
  assert.deepEqual((await get(`/${QUICKNET}/health`)).body, { current: 1002, expected: 1002 });
  const missing = await get(`/${QUICKNET}/public/999`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('cache-control'), 'no-store');
  assert.equal((await get(`/${QUICKNET}/public/1004`)).status, 425);
  assert.equal((await get(`/${QUICKNET}/public/18446744073709551615`)).status, 425);
  assert.equal((await get(`/${QUICKNET}/public/18446744073709551616`)).status, 400);
  assert.equal((await get(`/${QUICKNET}/public/-1`)).status, 400);
  assert.equal((await get(`/${'0'.repeat(64)}/info`)).status, 404);
  const preflight = await fetch(`${relay.url}/${QUICKNET}/info`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
});

test('the next round is long-polled until its virtual time', async () => {
  const started = Date.now();
  const next = await get(`/v2/chains/${QUICKNET}/rounds/next`);
  const waited = Date.now() - started;
  assert.equal(next.status, 200);
  assert.equal(next.body.round, 1003);
  assert.ok(waited > 1500 && waited < 4500, `waited ${waited} ms`);
});

test('lying modes, by path prefix and relay-wide', async () => {
  const vector = relay.chain(QUICKNET).beacons.get(1000);
  const path = `/${QUICKNET}/public/1000`;
  const badSig = await get(path, relay.faultUrl('bad-signature'));
  assert.notEqual(badSig.body.signature, vector.signature);
  assert.equal(badSig.body.randomness, sha256hex(badSig.body.signature));
  assert.equal(badSig.headers.get('cache-control'), 'no-store');
  assert.notEqual((await get(path, relay.faultUrl('wrong-round'))).body.round, 1000);
  assert.notEqual((await get(path, relay.faultUrl('bad-randomness'))).body.randomness, vector.randomness);
  assert.equal((await get(path, relay.faultUrl('status-500'))).status, 500);
  assert.equal((await get(path, relay.faultUrl('status-425'))).status, 425);
  assert.equal((await get(`/${QUICKNET}/info`, relay.faultUrl('info-status-503'))).status, 503);
  assert.equal((await get(`/${QUICKNET}/info`, relay.faultUrl('wrong-info'))).body.period, 4);
  await assert.rejects(fetch(relay.faultUrl('drop') + path));
  const started = Date.now();
  assert.equal((await get(path, relay.faultUrl('slow-300'))).status, 200);
  assert.ok(Date.now() - started >= 290);
  assert.equal((await get(path, relay.faultUrl('no-such-fault'))).status, 400);

  relay.setFaults({ status: 503 });
  try {
    assert.equal((await get(path)).status, 503);
  } finally {
    relay.setFaults({});
  }
  assert.equal((await get(path)).status, 200);
});

test('the CLI prints its URL first and serves until SIGTERM', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./mock-relay.mjs', import.meta.url)), '--quiet', '--port', '0', '--latest', 'fastnet:72800', '--frozen'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = await once(createInterface({ input: child.stdout }), 'line');
    const url = /^MOCK_RELAY_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    assert.ok(url, line);
    const fastnet = relay.chain('fastnet').info.hash;
    assert.equal((await get(`/${fastnet}/public/latest`, url)).body.round, 72800);
    assert.equal((await get(`/${fastnet}/public/72801`, url)).status, 425);
  } finally {
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    await gone;
  }
});

test('every honest answer verifies, every lie fails (built package)', { skip: !PKG_BUILT && 'pkg/ not built' }, async () => {
  const { verifyBeacon } = await import(PKG_NODE);
  await withMockRelay({}, async (r) => {
    for (const [hash, chain] of loadVectors()) {
      const infoV1 = (await get(`/${hash}/info`, r.url)).body;
      const infoV2 = (await get(`/v2/chains/${hash}/info`, r.url)).body;
      for (const round of chain.rounds) {
        const v1 = (await get(`/${hash}/public/${round}`, r.url)).body;
        const v2 = (await get(`/v2/chains/${hash}/rounds/${round}`, r.url)).body;
        assert.equal(verifyBeacon(infoV1, v1, { chainHash: hash }).randomness, chain.beacons.get(round).randomness);
        assert.equal(verifyBeacon(infoV2, v2, { chainHash: hash }).randomness, chain.beacons.get(round).randomness);
      }
      const round = chain.rounds[0];
      for (const [spec, code] of [
        ['bad-signature', /INVALID_SIGNATURE|NOT_IN_SUBGROUP|NOT_ON_CURVE|NON_CANONICAL_POINT/],
        ['bad-randomness', /RANDOMNESS_MISMATCH/],
      ]) {
        const lie = (await get(`/${hash}/public/${round}`, r.faultUrl(spec))).body;
        assert.throws(() => verifyBeacon(infoV1, lie, { chainHash: hash }), (e) => code.test(e.code), `${chain.name} ${spec}`);
      }
      const wrong = (await get(`/${hash}/public/${round}`, r.faultUrl('wrong-round'))).body;
      assert.notEqual(wrong.round, round, chain.name);
      const badInfo = (await get(`/${hash}/info`, r.faultUrl('wrong-info'))).body;
      assert.throws(
        () => verifyBeacon(badInfo, chain.beacons.get(round), { chainHash: hash }),
        (e) => e.code === 'CHAIN_HASH_MISMATCH',
      );
    }
  });
});

test('virtual clocks map a vector round to "now"', async () => {
  const c = relay.clock('quicknet');
  const info = relay.chain('quicknet').info;
  assert.ok(c.latest() >= 1002, `latest ${c.latest()}`);
  assert.equal(c.latest(), roundAtMs(info, c.nowMs()));
  assert.ok(Math.abs(c.nowMs() - Date.now() - c.offsetMs) < 5);
  assert.ok(c.nowMs() >= roundTimeMs(info, 1002));
  // Chains without a `latest` option end at their highest vector round.
  const fastnet = relay.chain('fastnet');
  assert.ok(relay.clock('fastnet').latest() >= fastnet.rounds.at(-1));
});
