// drand-lite/slim: the verifier only (no light client), from the smaller wasm build.
// Deno and the default condition (Bun, unknown hosts): the wasm is inlined as base64 and
// compiled synchronously, so no file, network or permission is needed and there is no
// top-level await.
import wasmBase64 from "../../gen/slim/wasm-base64.js";
import * as raw from "../../gen/slim/drand_lite.js";
import { decodeBase64 } from "../../lib/base64.js";
import { bindVerifier } from "../../lib/verifier.js";

raw.initSync({ module: new WebAssembly.Module(decodeBase64(wasmBase64)) });

// Bound here, not re-exported from lib/ (see entry/slim/node.js).
export const { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo } = bindVerifier(raw);
