// The verifier API over the raw wasm-bindgen exports of either build (full or slim). Each
// entry initializes its glue and exports what bindVerifier() returns (entry/full/node.js says
// why the bindings live in the entries).
import { badArgument, chainHashOption, jsonText, unixMs } from "./args.js";

export function bindVerifier(raw) {
  /** Verifies one beacon; returns `{ round, randomness, signature, previous_signature? }`. */
  function verifyBeacon(info, beacon, options) {
    const chainHash = chainHashOption(options);
    return raw.verifyBeacon(jsonText(info, "chain info"), jsonText(beacon, "beacon"), chainHash);
  }

  /** Verifies beacons of one chain in one batch; throws INVALID_BEACONS with `rounds`. */
  function verifyBeacons(info, beacons, options) {
    const chainHash = chainHashOption(options);
    if (!Array.isArray(beacons)) throw badArgument("beacons must be an array");
    const texts = beacons.map((b, i) => jsonText(b, `beacons[${i}]`));
    return raw.verifyBeacons(jsonText(info, "chain info"), texts, chainHash);
  }

  /** The round that is the latest at `ms` (Unix milliseconds, number, bigint or Date). */
  function roundAt(info, ms) {
    return raw.roundAt(jsonText(info, "chain info"), unixMs(ms));
  }

  /** Unix milliseconds at which `round` is due. */
  function roundTime(info, round) {
    return raw.roundTime(jsonText(info, "chain info"), round);
  }

  /** Checked chain info with its recomputed `chain_hash` (v2 field names). */
  function chainInfo(info, options) {
    return raw.chainInfo(jsonText(info, "chain info"), chainHashOption(options));
  }

  return { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo };
}
