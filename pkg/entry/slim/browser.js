// drand-lite/slim: the verifier only (no light client), from the smaller wasm build.
// Browsers: compiled asynchronously (Chrome refuses synchronous compiles of large modules on
// the main thread) with a top-level await, so the API is ready once the import resolves. The
// URL form is what bundlers (Vite, webpack, esbuild, Parcel) recognise to emit the asset.
import * as raw from "../../gen/slim/drand_lite.js";
import { bindVerifier } from "../../lib/verifier.js";

await raw.default({ module_or_path: new URL("../../gen/slim/drand_lite_bg.wasm", import.meta.url) });

// Bound here, not re-exported from lib/ (see entry/slim/node.js).
export const { verifyBeacon, verifyBeacons, roundAt, roundTime, chainInfo } = bindVerifier(raw);
