// Node (and Bun): the wasm is read and compiled synchronously at import, so there is no
// top-level await and `require("drand-lite")` works on Node >= 20.19.
import { readFileSync } from "node:fs";
import * as raw from "../../gen/full/drand_lite.js";
import { bindClient } from "../../lib/client.js";
import { bindVerifier } from "../../lib/verifier.js";

const bytes = readFileSync(new URL("../../gen/full/drand_lite_bg.wasm", import.meta.url));
raw.initSync({ module: new WebAssembly.Module(bytes) });

// Bound here, not re-exported from lib/: with "sideEffects": false a bundler may skip a module
// that only re-exports, and with it the init above.
export const { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo } = bindVerifier(raw);
export const Client = bindClient(raw);
