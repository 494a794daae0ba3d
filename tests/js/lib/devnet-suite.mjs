// The client tests against a real `drand-node devnet` (tests/js/lib/devnet.mjs), shared by the
// per-scheme files in tests/js/devnet/: npm drand-client@1.4.2 and our drand-lite package both
// fetch and verify the node's beacons, over v1 (default-chain and chain-hash-prefixed routes)
// and v2. Node only.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import * as dc from "drand-client";
import { Client, chainInfo, verifyBeacon, verifyBeacons } from "drand-lite";

import { REPO, startDevnet } from "./devnet.mjs";
import { throwsCode } from "./expect.mjs";

/** The version of the drand-client the tests import (its exports map hides package.json). */
function drandClientVersion() {
  const entry = createRequire(join(REPO, "package.json")).resolve("drand-client");
  const dir = entry.slice(0, entry.lastIndexOf("/node_modules/drand-client/") + "/node_modules/drand-client".length);
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
}

async function getJson(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return response.json();
}

const sha256 = (hex) => createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");

/** Waits (polling the node, at most ~10 periods) until its latest round is at least `round`. */
async function untilRound(net, round) {
  const deadline = Date.now() + 10_000 + 10 * net.period * 1000;
  for (;;) {
    const latest = await getJson(`${net.http}/public/latest`);
    if (latest.round >= round) return latest;
    assert.ok(Date.now() < deadline, `the devnet is stuck at round ${latest.round}, waiting for ${round}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An npm drand-client for `baseUrl`, pinned to the devnet's chain and verifying every beacon. */
function npmClient(net, baseUrl) {
  const options = {
    ...dc.defaultChainOptions,
    disableBeaconVerification: false,
    noCache: false,
    chainVerificationParams: { chainHash: net.chainHash, publicKey: net.info.public_key },
  };
  return new dc.HttpChainClient(new dc.HttpCachingChain(baseUrl, options), options);
}

/** The first `n` beacons an async iterator yields, then it is ended with `stop()`. */
async function take(iterator, n, stop) {
  const out = [];
  for await (const beacon of iterator) {
    out.push(beacon);
    if (out.length === n) break;
  }
  stop();
  return out;
}

function assertConsecutive(beacons) {
  const rounds = beacons.map((b) => b.round);
  for (let i = 1; i < rounds.length; i++) assert.equal(rounds[i], rounds[i - 1] + 1, `rounds ${rounds}`);
}

/**
 * Registers the tests for one devnet of `scheme` (4 nodes, threshold 3, period 1 s), started
 * once before them and stopped after them.
 */
export function devnetSuite(scheme) {
  const chained = scheme === "pedersen-bls-chained";
  describe(`drand-node devnet (${scheme})`, { timeout: 120_000 }, () => {
    let net;
    before(async () => {
      net = await startDevnet({ scheme });
    });
    after(async () => {
      await net?.stop();
    });

    test("serves the chain it announced", async () => {
      assert.equal(net.scheme, scheme);
      assert.deepEqual(await getJson(`${net.http}/chains`), [net.chainHash]);
      assert.deepEqual(await getJson(`${net.http}/v2/chains`), [net.chainHash]);
      assert.equal(net.info.hash, net.chainHash);
      assert.equal(net.info.schemeID, scheme);
      assert.equal(net.info.period, 1);
      // Our verifier recomputes the hash from the v1 and the v2 info.
      assert.equal(chainInfo(net.info, { chainHash: net.chainHash }).chain_hash, net.chainHash);
      const v2 = await getJson(`${net.http}/v2/chains/${net.chainHash}/info`);
      assert.equal(chainInfo(v2, { chainHash: net.chainHash }).scheme, scheme);
      assert.equal(net.nodes.length, 4);
    });

    describe("npm drand-client", () => {
      test("is version 1.4.2", () => assert.equal(drandClientVersion(), "1.4.2"));

      for (const route of ["default-chain /", "chain-hash-prefixed /{hash}/"]) {
        const base = () => (route.startsWith("default") ? net.http : `${net.http}/${net.chainHash}`);

        test(`${route}: fetchBeacon verifies the latest and past rounds`, async () => {
          await untilRound(net, 3);
          const client = npmClient(net, base());
          const info = await client.chain().info();
          assert.equal(info.hash, net.chainHash);
          // Latest by the clock (the node long-polls if it is a moment late).
          const latest = await dc.fetchBeacon(client);
          assert.ok(Math.abs(latest.round - dc.roundAt(Date.now(), info)) <= 1, `latest ${latest.round}`);
          assert.equal(latest.randomness, sha256(latest.signature));
          // The node's own latest, and two past rounds (round 1 included), each verified.
          const stored = await client.latest();
          for (const round of [stored.round, stored.round - 1, 1]) {
            const beacon = await dc.fetchBeacon(client, round);
            assert.equal(beacon.round, round);
            assert.equal(beacon.randomness, sha256(beacon.signature));
            assert.equal(typeof beacon.previous_signature, chained ? "string" : "undefined");
          }
        });

        test(`${route}: watch sees consecutive new rounds`, async () => {
          const client = npmClient(net, base());
          const start = (await client.latest()).round;
          const controller = new AbortController();
          const got = await take(dc.watch(client, controller), 3, () => controller.abort());
          assertConsecutive(got);
          assert.ok(got[2].round > start, `watch started at ${start}, saw ${got.map((b) => b.round)}`);
        });
      }

      test("refuses a chain whose hash or key is not the pinned one", async () => {
        const other = { ...net, chainHash: "ab".repeat(32) };
        await assert.rejects(dc.fetchBeacon(npmClient(other, net.http), 1), /did not match the verification params/);
        // A beacon of this chain does not verify against another key.
        const wrong = npmClient(net, net.http);
        const info = await wrong.chain().info();
        const liar = {
          options: wrong.options,
          chain: () => ({ baseUrl: net.http, info: async () => info }),
          get: async (round) => ({ ...(await wrong.get(round + 1)), round }),
          latest: () => wrong.latest(),
        };
        await assert.rejects(dc.fetchBeacon(liar, 1), /not valid/);
      });
    });

    describe("drand-lite (pkg/)", () => {
      let npm;
      before(() => {
        npm = npmClient(net, net.http);
      });

      for (const api of ["v1", "v2"]) {
        test(`${api}: create, latest, get and range verify the node's beacons`, async () => {
          const client = await Client.create({ urls: [net.http], chainHash: net.chainHash, api });
          try {
            assert.equal(client.info().chain_hash, net.chainHash);
            assert.equal(client.info().scheme, scheme);
            assert.equal(client.info().public_key, net.info.public_key);
            await untilRound(net, 3);
            const latest = await client.latest();
            assert.ok(Math.abs(latest.round - client.currentRound()) <= 1, `latest ${latest.round}`);
            for (const round of [1, latest.round - 1, latest.round]) {
              const got = await client.get(round);
              const theirs = await npm.get(round);
              assert.equal(got.round, round);
              assert.equal(got.signature, theirs.signature);
              assert.equal(got.randomness, theirs.randomness);
              assert.equal(got.previous_signature, theirs.previous_signature);
            }
            const range = await client.range(1, latest.round);
            assert.deepEqual(
              range.map((b) => b.round),
              Array.from({ length: latest.round }, (_, i) => i + 1),
            );
            for (const beacon of range) assert.equal(beacon.randomness, sha256(beacon.signature));
            if (chained) {
              for (let i = 1; i < range.length; i++) assert.equal(range[i].previous_signature, range[i - 1].signature);
              assert.equal(range[0].previous_signature, client.info().genesis_seed);
            }
            assert.deepEqual(client.events(), []);
          } finally {
            client.free();
          }
        });

        test(`${api}: watch yields the next rounds in order`, async () => {
          const client = await Client.create({ urls: net.http, chainHash: net.chainHash, api });
          try {
            const start = client.currentRound();
            const controller = new AbortController();
            const got = await take(client.watch({ signal: controller.signal }), 3, () => controller.abort());
            assertConsecutive(got);
            assert.ok(got[0].round >= start - 1 && got[2].round > start, `from ${start}: ${got.map((b) => b.round)}`);
            assert.deepEqual(client.events(), []);
          } finally {
            client.free();
          }
        });
      }

      test("verifyBeacon accepts the v2 JSON fetched directly, and refuses a tampered one", async () => {
        const latest = await untilRound(net, 3);
        const base = `${net.http}/v2/chains/${net.chainHash}`;
        const infoText = await (await fetch(`${base}/info`)).text();
        const texts = [];
        for (const round of [latest.round - 2, latest.round - 1]) {
          for (const url of [`${base}/rounds/${round}`, `${net.http}/v2/beacons/default/rounds/${round}`]) {
            const response = await fetch(url);
            assert.equal(response.status, 200, url);
            texts.push(await response.text());
          }
        }
        for (const text of texts) {
          const raw = JSON.parse(text);
          assert.equal(raw.randomness, undefined, "v2 beacons carry no randomness");
          const verified = verifyBeacon(infoText, text, { chainHash: net.chainHash });
          assert.equal(verified.round, raw.round);
          assert.equal(verified.randomness, sha256(raw.signature));
        }
        assert.equal(verifyBeacons(infoText, texts, { chainHash: net.chainHash }).length, texts.length);
        // Round r with round r+1's signature.
        const [a, , b] = texts.map((t) => JSON.parse(t));
        throwsCode(() => verifyBeacon(infoText, { ...a, signature: b.signature }), "INVALID_SIGNATURE");
        // Pinned to another chain.
        throwsCode(() => verifyBeacon(infoText, texts[0], { chainHash: "ab".repeat(32) }), "CHAIN_HASH_MISMATCH");
      });
    });
  });
}
