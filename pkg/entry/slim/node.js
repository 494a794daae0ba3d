// drand-lite/slim: the verifier only (no light client), from the smaller wasm build.
// Node (and Bun): the wasm is read and compiled synchronously at import, so there is no
// top-level await and `require("drand-lite/slim")` works on Node >= 20.19.
import { readFileSync } from "node:fs";
import * as raw from "../../gen/slim/drand_lite.js";
import { bindVerifier } from "../../lib/verifier.js";

const bytes = readFileSync(new URL("../../gen/slim/drand_lite_bg.wasm", import.meta.url));
raw.initSync({ module: new WebAssembly.Module(bytes) });

// Bound here, not re-exported from lib/: with "sideEffects": false a bundler may skip a module
// that only re-exports, and with it the init above.
export const { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo } = bindVerifier(raw);
