// The browser entries (top-level await; the .wasm fetched from its URL next to the module),
// imported by path: Deno can fetch file: URLs, so it runs them as a browser would.
import assert from "node:assert/strict";
import { beaconFields, chainFile } from "../lib/vectors.mjs";

const PKG = new URL("../node_modules/drand-lite/", import.meta.url);
const { exports } = JSON.parse(await Deno.readTextFile(new URL("package.json", PKG)));
const quicknet = chainFile("mainnet-quicknet.json");

for (const subpath of [".", "./slim"]) {
  Deno.test(`browser entry of ${subpath} initializes asynchronously and verifies`, async () => {
    const api = await import(new URL(exports[subpath].browser, PKG).href);
    const entry = quicknet.beacons[1];
    assert.equal(api.verifyBeacon(quicknet.chain, beaconFields(entry)).randomness, entry.randomness);
    assert.equal(typeof api.Client, subpath === "." ? "function" : "undefined");
  });
}
