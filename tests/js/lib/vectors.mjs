// The shared drand vectors ($DRAND_VECTORS, else ../shared/vectors beside the repository), as
// the package's tests use them. Runs in Node and Deno (node: modules only, no globals).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { env } from "node:process";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Schemes whose support lands in a later issue: refused (UNKNOWN_SCHEME), not verified. */
export const PENDING_SCHEMES = [];

export function vectorsDir() {
  return resolve(env.DRAND_VECTORS || join(REPO, "..", "shared", "vectors"));
}

const readJson = (file) => JSON.parse(readFileSync(join(vectorsDir(), file), "utf8"));

/** Every vector file with chain info: `{ name, chain, beacons, invalid, pending }`. */
export function chainFiles() {
  const files = readdirSync(vectorsDir()).filter((f) => f.endsWith(".json")).sort();
  const out = [];
  for (const name of files) {
    const doc = readJson(name);
    if (!doc.chain) continue;
    out.push({
      name,
      chain: doc.chain,
      beacons: doc.beacons ?? [],
      invalid: doc.invalid ?? [],
      pending: PENDING_SCHEMES.includes(doc.chain.schemeID),
    });
  }
  if (out.length < 10) throw new Error(`expected the shared vector files in ${vectorsDir()}, found ${out.length}`);
  return out;
}

/** One chain file by name (e.g. "mainnet-quicknet.json"). */
export function chainFile(name) {
  const file = chainFiles().find((f) => f.name === name);
  if (!file) throw new Error(`no vector file ${name}`);
  return file;
}

/** The beacon fields of a vector entry (drops `why` and other notes). */
export function beaconFields(entry) {
  const out = {};
  for (const key of ["round", "randomness", "signature", "previous_signature"]) {
    if (key in entry) out[key] = entry[key];
  }
  return out;
}

/** v1 chain info → the v2 shape (`/v2/chains/{hash}/info`). */
export function toV2Info(info) {
  return {
    public_key: info.public_key,
    period: info.period,
    genesis_time: info.genesis_time,
    genesis_seed: info.groupHash,
    chain_hash: info.hash,
    scheme: info.schemeID,
    beacon_id: info.metadata?.beaconID ?? "",
  };
}

/**
 * scheme-only.json: entries with their own scheme and key, `{ entry, info, valid }`; the chain
 * info around the key has placeholder period, genesis and seed (and so no stated hash).
 */
export function schemeOnly() {
  const doc = readJson("scheme-only.json");
  const out = [];
  for (const [key, valid] of [["vectors", true], ["invalid", false]]) {
    for (const entry of doc[key] ?? []) {
      const info = {
        public_key: entry.public_key,
        period: 3,
        genesis_time: 1600000000,
        groupHash: "07".repeat(32),
        schemeID: entry.scheme,
        metadata: { beaconID: "scheme-only" },
      };
      out.push({ entry, info, valid, pending: PENDING_SCHEMES.includes(entry.scheme) });
    }
  }
  return out;
}
