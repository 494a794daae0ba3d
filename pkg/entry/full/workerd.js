// Cloudflare Workers (workerd, wrangler): they refuse to compile wasm bytes at run time, so the
// .wasm is imported as a module (wrangler and workerd turn it into a WebAssembly.Module).
import wasm from "../../gen/full/drand_lite_bg.wasm";
import * as raw from "../../gen/full/drand_lite.js";
import { bindClient } from "../../lib/client.js";
import { bindVerifier } from "../../lib/verifier.js";

raw.initSync({ module: wasm });

// Bound here, not re-exported from lib/ (see entry/full/node.js).
export const { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo } = bindVerifier(raw);
export const Client = bindClient(raw);
