// Type-checks the package's .d.ts as a TypeScript consumer sees them (scripts/test-js runs tsc
// with node16 and bundler resolution). Compiled only, never run.
import { Client, roundAt, roundTime, verifyBeacon, verifyBeacons } from "drand-lite";
import type { BatchError, DrandError, RelayEvent, VerifiedBeacon } from "drand-lite";
import * as slim from "drand-lite/slim";
import { init, initSync } from "drand-lite/manual";
import * as slimManual from "drand-lite/slim/manual";

declare const info: string;
const beacon: VerifiedBeacon = verifyBeacon(info, { round: 1n, signature: "aa" }, { chainHash: "00" });
const round: number = beacon.round;
const randomness: string = beacon.randomness;
const prev: string | undefined = beacon.previous_signature;
const all: VerifiedBeacon[] = verifyBeacons(info, ['{"round":1}', { round: 2, signature: "bb" }]);
const at: number = roundAt(info, new Date()) + roundAt(info, 0n) + roundTime(info, 5);
slim.verifyBeacon(info, "{}");
// @ts-expect-error: the slim entry has no client
slim.Client;

try {
  verifyBeacons(info, []);
} catch (e) {
  const err = e as BatchError;
  const rounds: number[] = err.rounds;
  const code: DrandError["code"] = err.code;
  console.log(rounds, code, err.invalid[0]?.index);
}

async function client(): Promise<void> {
  const c = await Client.create({ urls: ["http://127.0.0.1:1"], chainHash: "00", timeoutMs: 1000, api: "v2" });
  const q = Client.quicknet({ urls: new URL("http://127.0.0.1:1") });
  Client.mainnet();
  const b: VerifiedBeacon = await c.get(5n);
  const list: VerifiedBeacon[] = await q.range(1, 2);
  const events: RelayEvent[] = c.events();
  for await (const w of c.watch({ signal: AbortSignal.timeout(10) })) console.log(w.round);
  console.log(b, list, events, c.info().chain_hash, c.currentRound() + 1, await c.latest(), Client.presets()[0]?.name);
  // @ts-expect-error: chainHash is required
  await Client.create({ urls: [] });
  // @ts-expect-error: constructed only through create() or a preset
  new Client();
}

await init(new URL("https://example.com/drand-lite.wasm"));
initSync(new Uint8Array(0));
await slimManual.init();
console.log(round, randomness, prev, all, at, client);
