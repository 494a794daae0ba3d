// Run by scripts/test-js with no permissions at all:
//   deno run tests/js/deno/no-permissions.mjs "$(cat mainnet-quicknet.json)"
// The `deno` entry inlines the wasm, so importing and verifying needs no --allow-* flag.
import { verifyBeacon } from "drand-lite";

const { chain, beacons } = JSON.parse(Deno.args[0]);
for (const b of beacons) {
  const { round, randomness, signature } = b;
  if (verifyBeacon(chain, { round, randomness, signature }).randomness !== randomness) {
    throw new Error(`round ${round}: wrong randomness`);
  }
}
console.log(`deno without permissions: ${beacons.length} beacons verified`);
