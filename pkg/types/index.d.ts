// Types of `drand-lite`: the verifier and the light client.
import type { ChainInfo, ChainInfoInput, Round, UnixMs, VerifiedBeacon } from "./slim.js";

export * from "./slim.js";

/** Light client tuning; the defaults suit public relays. */
export interface ClientOptions {
  /** Per-request timeout (default 5000). */
  timeoutMs?: number;
  /** Passes over all relays before giving up (default 3). */
  attempts?: number;
  /** Pause before the second pass, doubled for each further one (default 250). */
  backoffMs?: number;
  /** Verified beacons kept in memory (default 1024). */
  cacheSize?: number;
  /** Relay API version (default "v1"). */
  api?: "v1" | "v2";
  /** Concurrent requests in `range` (default 8). */
  concurrency?: number;
}

export interface CreateOptions extends ClientOptions {
  /** Relay base URLs, tried fastest first with failover. */
  urls: string | URL | readonly (string | URL)[];
  /** The chain's hash (hex): the client only accepts chain info that recomputes to it. */
  chainHash: string;
  /** Chain info you already hold (must hash to `chainHash`); no `/info` request is made. */
  info?: ChainInfoInput;
}

export interface PresetOptions extends ClientOptions {
  /** Relays to use instead of the preset's public ones. */
  urls?: string | URL | readonly (string | URL)[];
}

/** A known chain. */
export interface Preset {
  name: string;
  chainHash: string;
  urls: string[];
  info: Record<string, unknown>;
}

/** Something a relay did: a failed request, or invalid data (the relay is then demoted). */
export interface RelayEvent {
  kind: "failed" | "invalid";
  relay: string;
  /** The round concerned (`invalid` only; 0 for chain info). */
  round?: number;
  reason: string;
}

/** A verifying drand light client: every beacon it returns has been verified. */
export class Client {
  private constructor();
  /** Connects to relays and pins the chain by its hash (fetches `/info` unless `info` is given). */
  static create(options: CreateOptions): Promise<Client>;
  /** A client for a known chain by name: "default", "quicknet", "testnet-default", "quicknet-t", "testnet-unchained-3s", "testnet-g". */
  static preset(name: string, options?: PresetOptions): Client;
  /** mainnet `default` (chained, 30 s). */
  static mainnet(options?: PresetOptions): Client;
  /** mainnet `quicknet` (unchained, G1 signatures, 3 s). */
  static quicknet(options?: PresetOptions): Client;
  /** mainnet `evmnet` (BN254 signatures, verifiable in EVM contracts, 3 s). */
  static evmnet(options?: PresetOptions): Client;
  /** testnet `default` (chained, 25 s). */
  static testnetDefault(options?: PresetOptions): Client;
  /** testnet `quicknet-t` (unchained, G1 signatures, 3 s). */
  static testnetQuicknet(options?: PresetOptions): Client;
  /** testnet `testnet-unchained-3s` (unchained, G2 signatures, 3 s). */
  static testnetUnchained(options?: PresetOptions): Client;
  /** testnet `testnet-g` (deprecated G1 scheme, 3 s). */
  static testnetG(options?: PresetOptions): Client;
  /** The known chains. */
  static presets(): Preset[];

  /** The pinned chain info. */
  info(): ChainInfo;
  /** The round that is the latest by the local clock. */
  currentRound(): number;
  /** The verified beacon of `round`. Rejects with TOO_EARLY for a round not yet due. */
  get(round: Round): Promise<VerifiedBeacon>;
  /** The current round's beacon by the local clock (or the previous one if not out yet). */
  latest(): Promise<VerifiedBeacon>;
  /** The beacon that was the latest at `unixMs`. */
  getByTime(unixMs: UnixMs): Promise<VerifiedBeacon>;
  /** Every beacon of `from..=to` (at most 10 000), batch-verified, in order. */
  range(from: Round, to: Round): Promise<VerifiedBeacon[]>;
  /** Relay events since the last call (this call clears them). */
  events(): RelayEvent[];
  /**
   * Every round from the latest on, each once and in order; relay failures are retried.
   * Aborting `signal` ends the iteration without an error.
   */
  watch(options?: { signal?: AbortSignal }): AsyncGenerator<VerifiedBeacon, void, undefined>;
  /** Frees the wasm side now rather than at garbage collection. */
  free(): void;
}
