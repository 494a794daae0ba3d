// Types of `drand-lite/slim`: the verifier (no light client). `drand-lite` adds `Client`.

/** Chain info as a relay's v1 `/{hash}/info` serves it. */
export interface ChainInfoV1 {
  public_key: string;
  period: number;
  genesis_time: number;
  /** When present it must be the hash the other fields produce. */
  hash?: string;
  groupHash: string;
  schemeID: string;
  metadata?: { beaconID?: string };
}

/** Chain info as a relay's v2 `/v2/chains/{hash}/info` serves it. */
export interface ChainInfoV2 {
  public_key: string;
  period: number;
  genesis_time: number;
  genesis_seed: string;
  chain_hash?: string;
  scheme: string;
  beacon_id?: string;
}

/** Chain info: a v1 or v2 object, or its JSON text. */
export type ChainInfoInput = ChainInfoV1 | ChainInfoV2 | string;

/** A beacon as relays serve it (v2 omits `randomness`), or its JSON text. */
export type BeaconInput =
  | {
      round: number | bigint;
      randomness?: string;
      signature: string;
      previous_signature?: string;
    }
  | string;

/** A beacon whose signature (and randomness, when given) checked out. Hex is lowercase. */
export interface VerifiedBeacon {
  round: number;
  /** sha256 of the signature. */
  randomness: string;
  signature: string;
  /** Chained schemes only. */
  previous_signature?: string;
}

/** Checked chain info with the recomputed chain hash (v2 field names). */
export interface ChainInfo {
  scheme: string;
  period: number;
  genesis_time: number;
  chain_hash: string;
  genesis_seed: string;
  public_key: string;
  beacon_id: string;
}

/** A round: a non-negative safe integer or a bigint up to 2^64 − 1. */
export type Round = number | bigint;

/** Unix time in milliseconds. */
export type UnixMs = number | bigint | Date;

export interface VerifyOptions {
  /** Pin the chain: the info must hash to this (hex). Without it, only a `hash` the info states is checked. */
  chainHash?: string;
}

/** Stable codes on thrown errors (`err.code`). */
export type ErrorCode =
  | "BAD_ARGUMENT"
  | "TOO_LARGE"
  | "MALFORMED"
  | "MALFORMED_CHAIN_INFO"
  | "UNKNOWN_SCHEME"
  | "CHAIN_HASH_MISMATCH"
  | "INVALID_HEX"
  | "INVALID_LENGTH"
  | "NON_CANONICAL_POINT"
  | "NOT_ON_CURVE"
  | "NOT_IN_SUBGROUP"
  | "IDENTITY_POINT"
  | "ROUND_ZERO"
  | "ROUND_MISMATCH"
  | "MISSING_PREVIOUS_SIGNATURE"
  | "UNEXPECTED_PREVIOUS_SIGNATURE"
  | "GENESIS_SEED_MISMATCH"
  | "RANDOMNESS_MISMATCH"
  | "INVALID_SIGNATURE"
  | "BROKEN_CHAIN"
  | "INVALID_BEACONS"
  | "BEFORE_GENESIS"
  | "TOO_EARLY"
  | "OUT_OF_RANGE"
  | "ALL_RELAYS_FAILED"
  | "NOT_INITIALIZED";

/** What every function here throws: an `Error` with a `code`. */
export interface DrandError extends Error {
  code: ErrorCode;
}

/** One bad beacon of a batch. */
export interface InvalidBeacon {
  /** Position in the array passed in. */
  index: number;
  round: number;
  code: ErrorCode;
  message: string;
}

/** Thrown by verifyBeacons when any beacon is bad; names every bad one. */
export interface BatchError extends DrandError {
  code: "INVALID_BEACONS";
  rounds: number[];
  invalid: InvalidBeacon[];
}

/** Verifies one beacon. Throws a {@link DrandError} when it, or the chain info, is invalid. */
export function verifyBeacon(info: ChainInfoInput, beacon: BeaconInput, options?: VerifyOptions): VerifiedBeacon;

/**
 * Verifies beacons of one chain in one batch (much faster per beacon than one at a time).
 * Throws a {@link BatchError} naming every bad beacon.
 */
export function verifyBeacons(
  info: ChainInfoInput,
  beacons: readonly BeaconInput[],
  options?: VerifyOptions,
): VerifiedBeacon[];

/** The round that is the latest at `unixMs` (round 1 is due at genesis). */
export function roundAt(info: ChainInfoInput, unixMs: UnixMs): number;

/** Unix time in milliseconds at which `round` is due. */
export function roundTime(info: ChainInfoInput, round: Round): number;

/** Parses and checks chain info; returns it with its recomputed `chain_hash`. */
export function chainInfo(info: ChainInfoInput, options?: VerifyOptions): ChainInfo;
