// Types of `drand-lite/slim/manual`: `drand-lite/slim` with the wasm loaded by the caller.
export * from "./slim.js";
export type { InitInput } from "./manual.js";

/** Loads the wasm (`drand-lite/verifier.wasm`); call once before anything else. */
export function init(source?: import("./manual.js").InitInput | Promise<import("./manual.js").InitInput>): Promise<void>;
/** Loads the wasm synchronously from a module or bytes. */
export function initSync(source: WebAssembly.Module | BufferSource): void;
