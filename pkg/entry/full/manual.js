// `drand-lite/manual`: nothing is loaded until init() or initSync() is called, for hosts the
// other entries do not fit (a CSP that needs a chosen URL, Vercel Edge's `?module` import,
// a precompiled module from elsewhere). The raw .wasm is `drand-lite/drand-lite.wasm`.
import * as raw from "../../gen/full/drand_lite.js";
import { codedError } from "../../lib/args.js";
import { bindClient } from "../../lib/client.js";
import { bindVerifier } from "../../lib/verifier.js";

let ready = false;

/** Loads the wasm from a WebAssembly.Module, bytes, a URL, a Response or a promise of one. */
export async function init(source) {
  await raw.default({ module_or_path: source });
  ready = true;
}

/** Loads the wasm synchronously from a WebAssembly.Module or bytes. */
export function initSync(source) {
  raw.initSync({ module: source });
  ready = true;
}

// The raw exports, refusing use before init with a clear error instead of a TypeError.
const guarded = new Proxy(raw, {
  get(target, key) {
    if (!ready) throw codedError("NOT_INITIALIZED", "call init() or initSync() before using drand-lite");
    return target[key];
  },
});

export const { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo } = bindVerifier(guarded);
export const Client = bindClient(guarded);
