// Deno: the package resolved by name through its exports map (the `deno` condition: inline
// base64, synchronous compile, no permissions needed by the package itself), then the vectors
// and the light client against the mock relay at $MOCK_RELAY_URL.
import assert from "node:assert/strict";
import { env } from "node:process";
import { Client, verifyBeacon, verifyBeacons } from "drand-lite";
import * as slim from "drand-lite/slim";
import { beaconFields, chainFile, chainFiles } from "../lib/vectors.mjs";
import { rejectsCode, throwsCode } from "../lib/expect.mjs";

const quicknet = chainFile("mainnet-quicknet.json");
const mainnet = chainFile("mainnet-default.json");

Deno.test("the deno condition picks the inline entry", () => {
  assert.match(import.meta.resolve("drand-lite"), /\/entry\/full\/inline\.js$/);
  assert.match(import.meta.resolve("drand-lite/slim"), /\/entry\/slim\/inline\.js$/);
});

Deno.test("every BLS12-381 vector is judged right", () => {
  let valid = 0;
  let invalid = 0;
  for (const file of chainFiles().filter((f) => !f.pending)) {
    const options = { chainHash: file.chain.hash };
    for (const entry of file.beacons) {
      assert.equal(verifyBeacon(file.chain, beaconFields(entry), options).randomness, entry.randomness, file.name);
      valid++;
    }
    for (const entry of file.invalid) {
      throwsCode(() => verifyBeacon(file.chain, beaconFields(entry), options), undefined, `${file.name}: ${entry.why}`);
      invalid++;
    }
  }
  assert.ok(valid >= 300 && invalid >= 80, `${valid} valid, ${invalid} invalid`);
});

Deno.test("batch and slim", () => {
  const beacons = mainnet.beacons.map(beaconFields);
  assert.equal(verifyBeacons(mainnet.chain, beacons).length, beacons.length);
  const err = throwsCode(() => slim.verifyBeacons(mainnet.chain, [beacons[0], { ...beacons[1], round: 3 }]), "INVALID_BEACONS");
  assert.deepEqual(err.rounds, [3]);
  assert.equal(slim.Client, undefined);
});

Deno.test("the light client fetches and verifies through Deno's fetch", async () => {
  const url = env.MOCK_RELAY_URL;
  assert.ok(url, "MOCK_RELAY_URL is set by scripts/test-js");
  const client = await Client.create({ urls: [`${url}/_fault/bad-signature`, url], chainHash: quicknet.chain.hash });
  const entry = quicknet.beacons[4];
  assert.equal((await client.get(entry.round)).randomness, entry.randomness);
  assert.ok(client.events().some((e) => e.kind === "invalid"));
  await rejectsCode(client.get(1.5), "BAD_ARGUMENT");
});
