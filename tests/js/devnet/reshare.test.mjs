// The README's worked example end to end, checked with npm drand-client@1.4.2: scripts/dkg-example
// runs the first DKG of four TLS nodes (epoch 1, period 3 s), drand-client verifies their
// beacons with the chain hash pinned; then the reshare (node 4 joins, node 3 leaves, threshold
// 3 -> 4) and drand-client verifies, against the SAME pinned chain hash and key, the rounds on
// both sides of the new group's transition round — no gap — and /info still names the chain.
//
//   node --test tests/js/devnet/reshare.test.mjs
//
// Needs target/debug/drand-node with the `dkg` commands (or DRAND_NODE_BIN); the nodes use the
// free port base the test picks (DIR, BIN and BASE are handed to the script). About 90 s.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import * as dc from "drand-client";

import { dkgExample } from "../lib/dkg-example.mjs";

const sha256 = (hex) => createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");

async function getJson(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return response.json();
}

/** An npm drand-client for `baseUrl`, pinned to `chainHash` and `publicKey`, verifying every beacon. */
function npmClient(baseUrl, chainHash, publicKey) {
  const options = {
    ...dc.defaultChainOptions,
    disableBeaconVerification: false,
    noCache: false,
    chainVerificationParams: { chainHash, publicKey },
  };
  return new dc.HttpChainClient(new dc.HttpCachingChain(baseUrl, options), options);
}

/** Polls `baseUrl` until its latest round is at least `round` (gives up after `withinMs`). */
async function untilRound(baseUrl, round, withinMs) {
  const deadline = Date.now() + withinMs;
  let last = "nothing";
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/public/latest`);
      if (response.ok) {
        const latest = await response.json();
        if (latest.round >= round) return latest.round;
        last = `round ${latest.round}`;
      } else {
        last = `status ${response.status}`;
      }
    } catch (err) {
      last = err.message;
    }
    assert.ok(Date.now() < deadline, `${baseUrl} did not reach round ${round} within ${withinMs} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Fetches and verifies rounds `from..=to` with drand-client; returns them. */
async function verifyRounds(client, from, to) {
  const beacons = [];
  for (let round = from; round <= to; round++) {
    const beacon = await dc.fetchBeacon(client, round);
    assert.equal(beacon.round, round);
    assert.equal(beacon.randomness, sha256(beacon.signature), `round ${round}: randomness`);
    beacons.push(beacon);
  }
  return beacons;
}

/** `TransitionTime = N` of a group file (unix seconds). */
function transitionTime(groupFile) {
  const match = /^\s*TransitionTime\s*=\s*(\d+)\s*$/m.exec(readFileSync(groupFile, "utf8"));
  assert.ok(match, `no TransitionTime in ${groupFile}`);
  return Number(match[1]);
}

describe("scripts/dkg-example: first DKG, then a reshare, verified by npm drand-client", { timeout: 240_000 }, () => {
  let ex;
  let chainHash;
  let info;

  before(async () => {
    ex = await dkgExample();
  });
  after(async () => {
    await ex?.cleanup();
  });

  test("epoch 1: four nodes run the DKG and drand-client verifies their beacons", async () => {
    await ex.run("first");
    info = await getJson(`${ex.http(0)}/info`);
    chainHash = info.hash;
    assert.match(chainHash, /^[0-9a-f]{64}$/);
    assert.equal(info.period, 3);
    assert.equal(info.schemeID, "bls-unchained-g1-rfc9380");
    assert.equal(transitionTime(ex.groupFile(0)), info.genesis_time, "epoch 1 starts at the genesis");
    // Rounds 1 and 2 (the genesis is 15 s after the proposal; the DKG runs meanwhile).
    await untilRound(ex.http(0), 2, 60_000);
    const client = npmClient(ex.http(0), chainHash, info.public_key);
    assert.equal((await client.chain().info()).hash, chainHash);
    await verifyRounds(client, 1, 2);
  });

  test("epoch 2: the reshare keeps the chain; the transition round and its neighbours verify", async (t) => {
    if (!chainHash) return t.skip("epoch 1 did not complete");
    await ex.run("reshare");
    const transition = transitionTime(ex.groupFile(0));
    // The joiner wrote the same group.
    assert.equal(transitionTime(ex.groupFile(4)), transition, "node 4's group has the same transition time");
    assert.ok(transition > info.genesis_time, `transition ${transition} after the genesis ${info.genesis_time}`);
    const transitionRound = dc.roundAt(transition * 1000, info);
    assert.equal(dc.roundTime(info, transitionRound), transition * 1000, "the transition is a round start");
    // Until two rounds of the new group are out (the DKG margin is ~40 s after the execute).
    const waitMs = Math.max(0, transition * 1000 - Date.now()) + 3 * info.period * 1000 + 20_000;
    await untilRound(ex.http(0), transitionRound + 2, waitMs);

    const client = npmClient(ex.http(0), chainHash, info.public_key);
    const served = await client.chain().info();
    assert.equal(served.hash, chainHash, "the chain hash survives the reshare");
    assert.equal(served.public_key, info.public_key, "the group key survives the reshare");
    // The last two rounds of the old group and the first three of the new: no gap.
    await verifyRounds(client, transitionRound - 2, transitionRound + 2);
    assert.equal((await getJson(`${ex.http(0)}/info`)).hash, chainHash);
    // The joiner serves the same chain and, once synced, the same rounds.
    assert.equal((await getJson(`${ex.http(4)}/info`)).hash, chainHash, "node 4 serves the same chain");
    await untilRound(ex.http(4), transitionRound + 2, 30_000);
    await verifyRounds(npmClient(ex.http(4), chainHash, info.public_key), transitionRound - 1, transitionRound + 2);
  });
});
