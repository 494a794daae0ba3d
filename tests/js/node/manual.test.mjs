// drand-lite/manual and drand-lite/slim/manual: nothing loads until init. (Its own file, so
// its own process: another entry would already have initialized the shared glue.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as full from "drand-lite/manual";
import * as slim from "drand-lite/slim/manual";
import { beaconFields, chainFile } from "../lib/vectors.mjs";
import { rejectsCode, throwsCode } from "../lib/expect.mjs";

const quicknet = chainFile("mainnet-quicknet.json");
const beacon = beaconFields(quicknet.beacons[0]);

test("use before init is a NOT_INITIALIZED error", async () => {
  throwsCode(() => full.verifyBeacon(quicknet.chain, beacon), "NOT_INITIALIZED");
  throwsCode(() => slim.roundAt(quicknet.chain, 0), "NOT_INITIALIZED");
  await rejectsCode(full.Client.create({ urls: ["http://127.0.0.1:9"], chainHash: quicknet.chain.hash }), "NOT_INITIALIZED");
});

test("initSync with bytes of drand-lite/drand-lite.wasm", () => {
  const bytes = readFileSync(new URL(import.meta.resolve("drand-lite/drand-lite.wasm")));
  full.initSync(bytes);
  assert.equal(full.verifyBeacon(quicknet.chain, beacon).randomness, beacon.randomness);
  assert.equal(full.Client.quicknet().info().chain_hash, quicknet.chain.hash);
});

test("init with a compiled module of drand-lite/verifier.wasm", async () => {
  const bytes = readFileSync(new URL(import.meta.resolve("drand-lite/verifier.wasm")));
  await slim.init(await WebAssembly.compile(bytes));
  assert.equal(slim.verifyBeacon(quicknet.chain, beacon).randomness, beacon.randomness);
});
