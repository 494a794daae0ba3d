// The light client over the raw WasmClient of the full build. Every beacon it returns was
// verified in wasm; relay failures and lies are kept as events (client.events()).
import { badArgument, chainHashOption, jsonText, unixMs } from "./args.js";

const OPTION_KEYS = ["timeoutMs", "attempts", "backoffMs", "cacheSize", "api", "concurrency"];

/** The tuning options the wasm side reads (unknown keys are dropped, not passed on). */
function tuning(options) {
  const out = {};
  for (const key of OPTION_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function optionsObject(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw badArgument("options must be an object");
  return options;
}

function urlList(urls) {
  if (typeof urls === "string") return [urls];
  if (!Array.isArray(urls) || urls.length === 0) throw badArgument("urls must be a non-empty array of relay URLs");
  return urls.map((u) => (u instanceof URL ? u.href : u));
}

/** Settles with ABORTED (a sentinel) as soon as `signal` aborts, else with `promise`. */
const ABORTED = Symbol("aborted");
function untilAbort(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export function bindClient(raw) {
  // Only the static constructors may make a Client (they hold this token).
  const token = Symbol("Client");

  class Client {
    #raw;

    constructor(wasmClient, key) {
      if (key !== token) throw new TypeError("use Client.create() or a preset such as Client.quicknet()");
      this.#raw = wasmClient;
    }

    /**
     * A client for `chainHash` over `urls`. Without `info` it fetches `/info` from the relays
     * and checks it recomputes to `chainHash`; with `info` (object or JSON) no request is made.
     */
    static async create(options) {
      const o = optionsObject(options);
      const urls = urlList(o.urls);
      const chainHash = chainHashOption(o);
      if (chainHash === undefined) throw badArgument("chainHash is required (the chain is pinned by its hash)");
      const wasm =
        o.info === undefined || o.info === null
          ? await raw.WasmClient.connect(urls, chainHash, tuning(o))
          : raw.WasmClient.withInfo(urls, jsonText(o.info, "chain info"), chainHash, tuning(o));
      return new Client(wasm, token);
    }

    /** A client for a known chain by name ("default", "quicknet", "quicknet-t", ...). */
    static preset(name, options) {
      if (typeof name !== "string") throw badArgument("preset name must be a string");
      const o = optionsObject(options);
      const urls = o.urls === undefined || o.urls === null ? null : urlList(o.urls);
      return new Client(raw.WasmClient.preset(name, urls, tuning(o)), token);
    }

    /** mainnet `default` (chained, 30 s). */
    static mainnet(options) {
      return Client.preset("default", options);
    }

    /** mainnet `quicknet` (unchained, G1 signatures, 3 s). */
    static quicknet(options) {
      return Client.preset("quicknet", options);
    }

    /** mainnet `evmnet` (BN254 signatures, verifiable in EVM contracts, 3 s). */
    static evmnet(options) {
      return Client.preset("evmnet", options);
    }

    /** testnet `default` (chained, 25 s). */
    static testnetDefault(options) {
      return Client.preset("testnet-default", options);
    }

    /** testnet `quicknet-t` (unchained, G1 signatures, 3 s). */
    static testnetQuicknet(options) {
      return Client.preset("quicknet-t", options);
    }

    /** testnet `testnet-unchained-3s` (unchained, G2 signatures, 3 s). */
    static testnetUnchained(options) {
      return Client.preset("testnet-unchained-3s", options);
    }

    /** testnet `testnet-g` (deprecated G1 scheme, 3 s). */
    static testnetG(options) {
      return Client.preset("testnet-g", options);
    }

    /** The known chains: `[{ name, chainHash, urls, info }]`. */
    static presets() {
      return raw.presets();
    }

    /** The pinned chain info (v2 field names, recomputed `chain_hash`). */
    info() {
      return this.#raw.info();
    }

    /** The round that is the latest by the local clock. */
    currentRound() {
      return this.#raw.currentRound();
    }

    /** The verified beacon of `round` (number or bigint). */
    async get(round) {
      return this.#raw.get(round);
    }

    /** The beacon of the current round by the clock (or the one before, if not out yet). */
    async latest() {
      return this.#raw.latest();
    }

    /** The beacon that was the latest at `ms` (Unix milliseconds, number, bigint or Date). */
    async getByTime(ms) {
      return this.#raw.getByTime(unixMs(ms));
    }

    /** Every beacon of `from..=to`, fetched concurrently, batch-verified, in order. */
    async range(from, to) {
      return this.#raw.range(from, to);
    }

    /** Relay events since the last call: `[{ kind: "failed"|"invalid", relay, round?, reason }]`. */
    events() {
      return this.#raw.takeEvents();
    }

    /**
     * Every round from the latest on, each once and in order, as an async iterator. Aborting
     * `signal` ends the iteration quietly (like breaking out of the loop); relay failures are
     * retried inside and show up in events().
     */
    async *watch(options) {
      const { signal } = optionsObject(options);
      if (signal?.aborted) return;
      const watch = this.#raw.watch();
      let pending;
      try {
        for (;;) {
          pending = watch.next();
          const beacon = await untilAbort(pending, signal);
          if (beacon === ABORTED) return;
          pending = undefined;
          yield beacon;
          if (signal?.aborted) return;
        }
      } finally {
        // A next() still running in wasm is cancelled when the watch supports it; otherwise
        // it finishes on its own and its result is dropped.
        if (pending) {
          pending.catch(() => {});
          watch.cancel?.();
        }
        watch.free();
      }
    }

    /** Frees the wasm side now instead of at garbage collection. */
    free() {
      this.#raw.free();
    }
  }

  return Client;
}
