// The verifier API's edges: round ↔ time, argument checking, result shapes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chainInfo, roundAt, roundTime, verifyBeacon, verifyBeacons } from "drand-lite";
import { beaconFields, chainFile, toV2Info } from "../lib/vectors.mjs";
import { throwsCode } from "../lib/expect.mjs";

const quicknet = chainFile("mainnet-quicknet.json");
const mainnet = chainFile("mainnet-default.json");
const info = quicknet.chain;
const genesisMs = info.genesis_time * 1000;

test("roundAt and roundTime (ms) agree with drand's formula", () => {
  assert.equal(roundAt(info, genesisMs), 1);
  assert.equal(roundAt(info, genesisMs + 2999), 1);
  assert.equal(roundAt(info, genesisMs + 3000), 2);
  assert.equal(roundTime(info, 1), genesisMs);
  assert.equal(roundTime(info, 2), genesisMs + 3000);
  for (const r of [2, 1000, 30662982]) {
    assert.equal(roundAt(info, roundTime(info, r)), r);
    assert.equal(roundAt(info, roundTime(info, r) - 1), r - 1);
  }
  assert.equal(roundAt(info, BigInt(genesisMs + 3000)), 2);
  assert.equal(roundAt(info, new Date(genesisMs + 6000)), 3);
  assert.equal(roundTime(info, 3n), genesisMs + 6000);
  assert.equal(roundTime(toV2Info(info), 3), genesisMs + 6000);
  assert.equal(roundTime(mainnet.chain, 2), (mainnet.chain.genesis_time + 30) * 1000);
  const now = Date.now();
  assert.ok(roundAt(info, now) > 30000000);
  throwsCode(() => roundTime(info, 0), "ROUND_ZERO");
  throwsCode(() => roundAt(info, genesisMs - 1000), "BEFORE_GENESIS");
  throwsCode(() => roundTime(info, 2n ** 64n - 1n), "OUT_OF_RANGE");
});

test("rounds must be non-negative safe integers or u64 bigints", () => {
  for (const bad of [1.5, -1, -0.5, 2 ** 53, Number.MAX_VALUE, NaN, Infinity, "5", null, undefined, {}, -1n, 2n ** 64n]) {
    throwsCode(() => roundTime(info, bad), "BAD_ARGUMENT", `round ${String(bad)}`);
  }
  for (const bad of [1.5, -1, NaN, "1692803367000"]) {
    throwsCode(() => roundAt(info, bad), "BAD_ARGUMENT", `unixMs ${String(bad)}`);
  }
  // A beacon's round has the same rules (2^53 + 1 cannot be written exactly as a number).
  const b = beaconFields(quicknet.beacons[0]);
  for (const round of [1.5, -1, "1"]) throwsCode(() => verifyBeacon(info, { ...b, round }), undefined, `beacon round ${round}`);
});

test("arguments of the wrong type are BAD_ARGUMENT", () => {
  const b = beaconFields(quicknet.beacons[0]);
  throwsCode(() => verifyBeacon(42, b), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacon(null, b), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacon(info, undefined), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacon(info, b, "52db9ba7"), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacon(info, b, { chainHash: 42 }), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacon(info, b, { chainHash: "not hex" }), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacons(info, b), "BAD_ARGUMENT");
  throwsCode(() => verifyBeacons(info, [b, 7]), "BAD_ARGUMENT");
});

test("malformed input is refused with a specific code", () => {
  const b = beaconFields(quicknet.beacons[0]);
  throwsCode(() => verifyBeacon("{", b), "MALFORMED_CHAIN_INFO");
  throwsCode(() => verifyBeacon({ ...info, schemeID: "nope" }), undefined);
  throwsCode(() => verifyBeacon(info, "{"), "MALFORMED");
  throwsCode(() => verifyBeacon(info, { ...b, signature: b.signature.toUpperCase() }), "INVALID_HEX");
  throwsCode(() => verifyBeacon(info, { ...b, round: 2 }), "INVALID_SIGNATURE");
  throwsCode(() => verifyBeacon(info, { ...b, randomness: "00".repeat(32) }), "RANDOMNESS_MISMATCH");
  throwsCode(() => verifyBeacon(info, { ...b, round: 0 }), "ROUND_ZERO");
  // Oversized input is refused before parsing.
  const huge = throwsCode(() => verifyBeacon(info, "x".repeat(100000)));
  assert.ok(["MALFORMED", "TOO_LARGE"].includes(huge.code), huge.code);
  throwsCode(() => verifyBeacon("x".repeat(100000), b), "TOO_LARGE");
});

test("results have exactly the documented fields", () => {
  const unchained = verifyBeacon(info, beaconFields(quicknet.beacons[0]));
  assert.deepEqual(Object.keys(unchained).sort(), ["randomness", "round", "signature"]);
  const chained = verifyBeacon(mainnet.chain, beaconFields(mainnet.beacons[0]));
  assert.deepEqual(Object.keys(chained).sort(), ["previous_signature", "randomness", "round", "signature"]);
  assert.equal(typeof chained.round, "number");
  assert.deepEqual(verifyBeacons(info, []), []);
});

test("chainInfo recomputes the hash and honours a pin", () => {
  const got = chainInfo(info, { chainHash: info.hash });
  assert.equal(got.chain_hash, info.hash);
  assert.equal(got.scheme, info.schemeID);
  assert.equal(got.period, 3);
  assert.equal(got.beacon_id, "quicknet");
  assert.equal(chainInfo(toV2Info(info)).chain_hash, info.hash);
  throwsCode(() => chainInfo(info, { chainHash: mainnet.chain.hash }), "CHAIN_HASH_MISMATCH");
});
