// A program that watches fastnet on a mock relay, aborts the watch while a step is pending,
// stops the relay and returns. It must then exit by itself: an aborted watch may not keep
// timers or requests going (node/watch-cancel.test.mjs runs it with a deadline).
import { Client, roundTime } from "drand-lite";
import { spawnRelay } from "./relay.mjs";
import { chainFile } from "./vectors.mjs";

const fastnet = chainFile("mainnet-fastnet.json");
const relay = await spawnRelay(["--latest", "fastnet:72800"]);
const realNow = Date.now;
const offset = roundTime(fastnet.chain, 72800) - relay.readyAtMs;
Date.now = () => realNow() + offset;

const client = await Client.create({ urls: [relay.url], chainHash: fastnet.chain.hash, info: fastnet.chain, timeoutMs: 500 });
const controller = new AbortController();
for await (const beacon of client.watch({ signal: controller.signal })) {
  console.log(`got round ${beacon.round}; aborting while the next one is awaited`);
  setTimeout(() => controller.abort(), 100);
}
await relay.stop();
console.log("watch aborted and relay stopped; the process should now exit");
