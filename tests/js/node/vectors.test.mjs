// Acceptance: every BLS12-381 vector in ../shared/vectors is judged right through the package's
// verifyBeacon (real beacons verify with the right randomness, mutated ones throw with a code),
// and batches agree with single verification.
import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyBeacon, verifyBeacons } from "drand-lite";
import { beaconFields, chainFiles, schemeOnly, toV2Info } from "../lib/vectors.mjs";
import { throwsCode } from "../lib/expect.mjs";

const files = chainFiles();
const live = files.filter((f) => !f.pending);

test("every valid beacon verifies with the vector's randomness", () => {
  let count = 0;
  for (const file of live) {
    const chainHash = file.chain.hash;
    for (const entry of file.beacons) {
      const note = `${file.name} round ${entry.round}`;
      const got = verifyBeacon(file.chain, beaconFields(entry), { chainHash });
      assert.equal(got.round, entry.round, note);
      assert.equal(got.randomness, entry.randomness, note);
      assert.equal(got.signature, entry.signature, note);
      assert.equal(got.previous_signature, entry.previous_signature, note);
      count++;
    }
  }
  assert.ok(count >= 300, `only ${count} beacons checked`);
});

test("every invalid beacon throws an Error with a code", () => {
  let count = 0;
  for (const file of live) {
    for (const entry of file.invalid) {
      const note = `${file.name}: ${entry.why}`;
      const err = throwsCode(() => verifyBeacon(file.chain, beaconFields(entry), { chainHash: file.chain.hash }), undefined, note);
      // The vectors are well-typed JSON: a bad-argument error would mean the test, not the beacon.
      assert.notEqual(err.code, "BAD_ARGUMENT", note);
      count++;
    }
  }
  assert.ok(count >= 80, `only ${count} invalid beacons checked`);
});

test("JSON text, v2 chain info and v2 beacons (no randomness) are accepted", () => {
  for (const file of live) {
    const entry = file.beacons[0];
    const expected = verifyBeacon(file.chain, beaconFields(entry));
    const text = verifyBeacon(JSON.stringify(file.chain), JSON.stringify(beaconFields(entry)));
    assert.deepEqual(text, expected, file.name);
    const v2 = verifyBeacon(toV2Info(file.chain), { ...beaconFields(entry), randomness: undefined }, { chainHash: file.chain.hash });
    assert.deepEqual(v2, expected, file.name);
    const big = verifyBeacon(file.chain, { ...beaconFields(entry), round: BigInt(entry.round) });
    assert.deepEqual(big, expected, file.name);
  }
});

test("a pinned chain hash must match", () => {
  const file = live[0];
  const wrong = (file.chain.hash[0] === "0" ? "1" : "0") + file.chain.hash.slice(1);
  throwsCode(() => verifyBeacon(file.chain, beaconFields(file.beacons[0]), { chainHash: wrong }), "CHAIN_HASH_MISMATCH");
  // Chain info whose stated hash its contents do not produce is refused even without a pin.
  throwsCode(() => verifyBeacon({ ...file.chain, period: file.chain.period + 1 }, beaconFields(file.beacons[0])), "CHAIN_HASH_MISMATCH");
});

test("pending schemes (bn254) are refused, not misread", () => {
  for (const file of files.filter((f) => f.pending)) {
    throwsCode(() => verifyBeacon(file.chain, beaconFields(file.beacons[0])), "UNKNOWN_SCHEME", file.name);
  }
});

test("scheme-only vectors", () => {
  let count = 0;
  for (const { entry, info, valid, pending } of schemeOnly()) {
    if (pending) continue;
    const note = `${entry.scheme} round ${entry.round}: ${entry.why ?? "valid"}`;
    if (valid) assert.equal(verifyBeacon(info, beaconFields(entry)).randomness, entry.randomness, note);
    else throwsCode(() => verifyBeacon(info, beaconFields(entry)), undefined, note);
    count++;
  }
  assert.ok(count >= 10, `only ${count} scheme-only vectors`);
});

test("batches agree with single verification and name every bad beacon", () => {
  for (const file of live) {
    const good = file.beacons.map(beaconFields);
    const all = verifyBeacons(file.chain, good, { chainHash: file.chain.hash });
    assert.deepEqual(
      all.map((v) => [v.round, v.randomness, v.previous_signature]),
      file.beacons.map((b) => [b.round, b.randomness, b.previous_signature]),
      file.name,
    );

    // Interleave the invalid beacons that at least parse (a malformed one makes the whole call
    // throw something else); each must be named by index and round.
    const mixed = [...good];
    const inserted = new Set();
    for (const entry of file.invalid) {
      const b = beaconFields(entry);
      try {
        verifyBeacons(file.chain, [b]);
        assert.fail(`${file.name}: batch accepted invalid beacon: ${entry.why}`);
      } catch (e) {
        if (e.code !== "INVALID_BEACONS") continue;
      }
      mixed.splice((mixed.length * 7 + 3) % (mixed.length + 1), 0, b);
      inserted.add(b);
    }
    const bad = mixed.flatMap((b, i) => (inserted.has(b) ? [i] : []));
    if (bad.length === 0) continue;
    const err = throwsCode(() => verifyBeacons(file.chain, mixed), "INVALID_BEACONS", file.name);
    const named = err.invalid.map((i) => i.index);
    for (const i of bad) {
      assert.ok(named.includes(i), `${file.name}: bad beacon ${i} not named`);
      assert.ok(err.rounds.includes(mixed[i].round), `${file.name}: round ${mixed[i].round} not in err.rounds`);
    }
    // A good beacon may be blamed only for not linking to a corrupted neighbour.
    for (const inv of err.invalid) {
      if (!bad.includes(inv.index)) assert.equal(inv.code, "BROKEN_CHAIN", `${file.name}: good beacon ${inv.index} blamed`);
      assert.equal(typeof inv.message, "string");
    }
  }
});
