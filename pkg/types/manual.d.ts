// Types of `drand-lite/manual`: `drand-lite` with the wasm loaded by the caller.
export * from "./index.js";

/** Where the wasm comes from (`drand-lite/drand-lite.wasm` is the file). */
export type InitInput = WebAssembly.Module | BufferSource | URL | string | Request | Response;

/** Loads the wasm; call once before anything else. */
export function init(source?: InitInput | Promise<InitInput>): Promise<void>;
/** Loads the wasm synchronously from a module or bytes. */
export function initSync(source: WebAssembly.Module | BufferSource): void;
