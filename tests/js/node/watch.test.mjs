// latest() and watch() need "now" to be a time the vectors cover: this file fakes Date.now (which
// the wasm reads) to the mock relay's virtual clock, with fastnet's round 72800 the latest at
// start (fastnet: 3 s rounds, vectors for every round 72750–72900). The relay runs in a child
// process, so its own clock is untouched.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, roundAt, roundTime } from "drand-lite";
import { chainFile } from "../lib/vectors.mjs";
import { watchCancellable } from "../lib/package.mjs";
import { spawnRelay } from "../lib/relay.mjs";

const fastnet = chainFile("mainnet-fastnet.json");
const START = 72800;
const realNow = Date.now;
let relay;

before(async () => {
  relay = await spawnRelay(["--latest", `fastnet:${START}`]);
  // The relay's clocks started just before readyAtMs, so ours runs a few ms behind its clock:
  // we never ask for a round before the relay has it.
  const offset = roundTime(fastnet.chain, START) - relay.readyAtMs;
  Date.now = () => realNow() + offset;
});
after(async () => {
  Date.now = realNow;
  await relay?.stop();
});

const client = (urls) =>
  Client.create({ urls, chainHash: fastnet.chain.hash, info: fastnet.chain, timeoutMs: 4000, attempts: 2, backoffMs: 100 });
const vector = (round) => fastnet.beacons.find((b) => b.round === round);

test("latest() is the current round by the local clock", async () => {
  const c = await client([relay.url]);
  const now = roundAt(fastnet.chain, Date.now());
  const latest = await c.latest();
  assert.ok(latest.round === now || latest.round === now - 1, `${latest.round} vs ${now}`);
  assert.equal(latest.randomness, vector(latest.round).randomness);
  assert.equal((await c.getByTime(roundTime(fastnet.chain, START - 10))).round, START - 10);
});

test("watch() ends quietly and promptly when its signal aborts", async () => {
  const c = await client([relay.url]);
  const controller = new AbortController();
  const seen = [];
  let abortedAt;
  for await (const beacon of c.watch({ signal: controller.signal })) {
    seen.push(beacon.round);
    // Abort while the next round is being waited for.
    setTimeout(() => {
      abortedAt = realNow();
      controller.abort();
    }, 200);
  }
  assert.equal(seen.length, 1);
  assert.ok(realNow() - abortedAt < 1000, "the loop ended soon after the abort");
  // An already aborted signal yields nothing.
  for await (const _ of c.watch({ signal: AbortSignal.abort() })) assert.fail("yielded after abort");
  // Without WasmWatch.cancel() the wasm side's pending step runs on: let it finish (one period
  // of sleep, then one fetch) while the relay is still up, or it would poll forever.
  if (!watchCancellable()) await sleep(fastnet.chain.period * 1000 + 500);
});

test("watch() yields every round once and in order across a relay outage", async () => {
  const c = await client([relay.url]);
  const rounds = [];
  let restarted;
  for await (const beacon of c.watch()) {
    assert.equal(beacon.randomness, vector(beacon.round).randomness);
    rounds.push(beacon.round);
    if (rounds.length === 1) {
      // Take the only relay down for more than a round, then bring it back on the same port.
      const { port } = relay;
      await relay.stop();
      restarted = sleep(4000).then(async () => {
        const current = roundAt(fastnet.chain, Date.now());
        relay = await spawnRelay(["--port", String(port), "--latest", `fastnet:${current}`]);
      });
    }
    if (rounds.length === 4) break;
  }
  await restarted;
  assert.deepEqual(rounds, [0, 1, 2, 3].map((i) => rounds[0] + i), `rounds ${rounds}`);
  assert.ok(c.events().some((e) => e.kind === "failed"), "the outage was reported");
});
