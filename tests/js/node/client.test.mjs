// The light client against the mock relay (real vectors on 127.0.0.1): fetching, presets, the
// v2 API, and lying relays — the client fails over, reports the liar and never returns an
// unverified beacon.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, roundAt } from "drand-lite";
import { chainFile } from "../lib/vectors.mjs";
import { rejectsCode, throwsCode } from "../lib/expect.mjs";
import { deadUrl, spawnRelay } from "../lib/relay.mjs";

const quicknet = chainFile("mainnet-quicknet.json");
const fastnet = chainFile("mainnet-fastnet.json");
const mainnet = chainFile("mainnet-default.json");
// Quick failover settings, so each lying-relay case takes well under a second.
const FAST = { timeoutMs: 1000, attempts: 2, backoffMs: 50 };

let relay;
before(async () => {
  relay = await spawnRelay();
});
after(async () => {
  await relay?.stop();
});

const expected = (file, round) => file.beacons.find((b) => b.round === round);
function sameBeacon(got, entry) {
  assert.equal(got.round, entry.round);
  assert.equal(got.randomness, entry.randomness);
  assert.equal(got.signature, entry.signature);
  assert.equal(got.previous_signature, entry.previous_signature);
}

test("create() fetches /info, pins it and gets verified beacons", async () => {
  const client = await Client.create({ urls: [relay.url], chainHash: quicknet.chain.hash });
  assert.equal(client.info().chain_hash, quicknet.chain.hash);
  assert.equal(client.info().period, 3);
  for (const entry of quicknet.beacons.slice(0, 5)) sameBeacon(await client.get(entry.round), entry);
  sameBeacon(await client.get(BigInt(quicknet.beacons[0].round)), quicknet.beacons[0]);
  assert.ok(Math.abs(client.currentRound() - roundAt(quicknet.chain, Date.now())) <= 1);
  assert.deepEqual(client.events(), []);
});

test("the v2 relay API works too", async () => {
  const client = await Client.create({ urls: relay.url, chainHash: mainnet.chain.hash, api: "v2" });
  sameBeacon(await client.get(2), expected(mainnet, 2));
});

test("chain info must recompute to the pinned hash", async () => {
  await rejectsCode(Client.create({ urls: [relay.faultUrl("wrong-info")], chainHash: quicknet.chain.hash }), "CHAIN_HASH_MISMATCH");
  // An honest relay after the liar is used instead.
  const client = await Client.create({ urls: [relay.faultUrl("wrong-info"), relay.url], chainHash: quicknet.chain.hash });
  sameBeacon(await client.get(1), expected(quicknet, 1));
  // A hash no relay serves.
  await rejectsCode(Client.create({ urls: [relay.url], chainHash: "ab".repeat(32), ...FAST }), "ALL_RELAYS_FAILED");
  // Given chain info must match the hash as well.
  await rejectsCode(Client.create({ urls: [relay.url], chainHash: mainnet.chain.hash, info: quicknet.chain }), "CHAIN_HASH_MISMATCH");
});

// Each lying or broken relay comes first; the client must fail over to the honest one, report
// the bad one in events(), and return only the verified beacon.
const LIARS = [
  ["bad-signature", "invalid"],
  ["wrong-round", "invalid"],
  ["bad-randomness", "invalid"],
  ["status-500", "failed"],
  ["drop", "failed"],
  ["slow-3000", "failed"],
];
for (const [spec, kind] of LIARS) {
  test(`fails over from a relay that answers ${spec}`, async () => {
    const bad = relay.faultUrl(spec);
    const client = await Client.create({ urls: [bad, relay.url], chainHash: quicknet.chain.hash, info: quicknet.chain, ...FAST });
    const entry = quicknet.beacons[3];
    sameBeacon(await client.get(entry.round), entry);
    const events = client.events();
    assert.ok(events.some((e) => e.kind === kind && e.relay === bad), `${spec}: ${JSON.stringify(events)}`);
    assert.deepEqual(client.events(), [], "events() drains");
  });
}

test("fails over from a relay that refuses connections", async () => {
  const dead = await deadUrl();
  const client = Client.quicknet({ urls: [dead, relay.url], ...FAST });
  sameBeacon(await client.get(1), expected(quicknet, 1));
  assert.ok(client.events().some((e) => e.kind === "failed" && e.relay === dead));
});

test("only lying relays: the call fails, nothing unverified comes back", async () => {
  const urls = ["bad-signature", "wrong-round", "bad-randomness"].map((s) => relay.faultUrl(s));
  const client = Client.quicknet({ urls, ...FAST });
  await rejectsCode(client.get(quicknet.beacons[3].round), "ALL_RELAYS_FAILED");
  const invalid = client.events().filter((e) => e.kind === "invalid");
  assert.equal(new Set(invalid.map((e) => e.relay)).size, 3, "every liar reported");
  for (const e of invalid) assert.equal(e.round, quicknet.beacons[3].round);
});

test("a relay answering 425 Too Early, and rounds not yet due", async () => {
  const client = Client.quicknet({ urls: [relay.faultUrl("status-425")], ...FAST });
  await rejectsCode(client.get(2), "TOO_EARLY");
  // A round in the future is refused by the clock before any request.
  await rejectsCode(client.get(client.currentRound() + 100), "TOO_EARLY");
});

test("range() batch-verifies in order, chained links included, through a liar", async () => {
  // fastnet (not a preset) has the longest consecutive run of vector rounds.
  const fast = await Client.create({ urls: [relay.faultUrl("bad-signature"), relay.url], chainHash: fastnet.chain.hash, info: fastnet.chain, ...FAST });
  const got = await fast.range(72750, 72800);
  assert.deepEqual(got.map((b) => b.round), Array.from({ length: 51 }, (_, i) => 72750 + i));
  for (const b of got) sameBeacon(b, expected(fastnet, b.round));
  assert.ok(fast.events().some((e) => e.kind === "invalid"), "the liar was blamed");
  const chained = await Client.mainnet({ urls: [relay.url] }).range(1n, 4n);
  chained.forEach((b, i) => sameBeacon(b, expected(mainnet, i + 1)));
  await rejectsCode(fast.range(5, 1), "BAD_ARGUMENT");
  await rejectsCode(fast.range(1.5, 3), "BAD_ARGUMENT");
});

test("every preset fetches from a relay override", async () => {
  const byHash = new Map(Client.presets().map((p) => [p.chainHash, p]));
  const cases = [
    [Client.mainnet, "mainnet-default.json"],
    [Client.quicknet, "mainnet-quicknet.json"],
    [Client.testnetDefault, "testnet-default.json"],
    [Client.testnetQuicknet, "testnet-quicknet-t.json"],
    [Client.testnetUnchained, "testnet-unchained-3s.json"],
    [Client.testnetG, "testnet-g.json"],
  ];
  for (const [make, name] of cases) {
    const file = chainFile(name);
    assert.ok(byHash.has(file.chain.hash), `${name} is a preset`);
    const client = make({ urls: [relay.url] });
    assert.equal(client.info().chain_hash, file.chain.hash, name);
    sameBeacon(await client.get(file.beacons[0].round), file.beacons[0]);
  }
  // Without an override a preset carries the public relays (not contacted here).
  assert.ok(byHash.get(quicknet.chain.hash).urls.every((u) => u.startsWith("https://")));
});

test("bad arguments", async () => {
  await rejectsCode(Client.create({ urls: [relay.url] }), "BAD_ARGUMENT");
  await rejectsCode(Client.create({ chainHash: quicknet.chain.hash }), "BAD_ARGUMENT");
  await rejectsCode(Client.create({ urls: ["ftp://x"], chainHash: quicknet.chain.hash }), "BAD_ARGUMENT");
  await rejectsCode(Client.create({ urls: [relay.url], chainHash: quicknet.chain.hash, api: "v3" }), "BAD_ARGUMENT");
  await rejectsCode(Client.create({ urls: [relay.url], chainHash: quicknet.chain.hash, timeoutMs: -1 }), "BAD_ARGUMENT");
  throwsCode(() => Client.preset("nope"), "BAD_ARGUMENT");
  const client = Client.quicknet({ urls: [relay.url] });
  for (const round of [1.5, -1, 2 ** 53, "1", null]) await rejectsCode(client.get(round), "BAD_ARGUMENT", String(round));
  assert.throws(() => new Client(), TypeError);
});
