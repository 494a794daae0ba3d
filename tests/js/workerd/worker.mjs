// A Cloudflare Worker that imports the package through its `workerd` entry (the .wasm comes in
// as a module: workerd refuses to compile bytes at run time) and checks it; `workerd test` runs
// the test() handler. run.mjs generates the config around it.
import { Client, verifyBeacon, verifyBeacons } from "drand-lite";
import * as slim from "drand-lite/slim";
import vectors from "vectors.json";

function assert(ok, message) {
  if (!ok) throw new Error(`assertion failed: ${message}`);
}

function expectCode(fn, note) {
  try {
    fn();
  } catch (e) {
    assert(e instanceof Error && /^[A-Z_]+$/.test(e.code), `${note}: no code on ${e}`);
    return e;
  }
  throw new Error(`${note}: accepted`);
}

export default {
  async test(_controller, env) {
    let checked = 0;
    for (const file of vectors) {
      const options = { chainHash: file.chain.hash };
      for (const b of file.beacons) {
        const got = verifyBeacon(file.chain, b, options);
        assert(got.randomness === b.randomness, `${file.name} round ${b.round}`);
        assert(slim.verifyBeacon(file.chain, b, options).randomness === b.randomness, `slim ${file.name}`);
        checked++;
      }
      for (const b of file.invalid) expectCode(() => verifyBeacon(file.chain, b, options), `${file.name}: ${b.why}`);
      const batch = expectCode(() => verifyBeacons(file.chain, [...file.beacons, { ...file.beacons[0], round: 77 }]), "batch");
      assert(batch.code === "INVALID_BEACONS" && batch.rounds.includes(77), `batch rounds ${batch.rounds}`);
    }
    assert(checked >= 20, `only ${checked} beacons`);

    // The light client over workerd's fetch and timers, failing over from a lying relay.
    const quicknet = vectors.find((f) => f.name === "mainnet-quicknet.json");
    const client = Client.quicknet({ urls: [`${env.RELAY_URL}/_fault/wrong-round`, env.RELAY_URL], timeoutMs: 2000 });
    const want = quicknet.beacons.at(-1);
    const got = await client.get(want.round);
    assert(got.randomness === want.randomness, "client.get");
    assert(client.events().some((e) => e.kind === "invalid"), "liar reported");
    console.log(`workerd: ${checked} beacons verified (full and slim), invalid ones rejected, client.get(${want.round}) ok`);
  },
};
