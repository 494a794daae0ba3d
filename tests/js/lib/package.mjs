// Facts about the packed package under test (tests/js/node_modules/drand-lite). Node only.
import { readFileSync } from "node:fs";

const glue = () => readFileSync(new URL("../node_modules/drand-lite/gen/full/drand_lite.js", import.meta.url), "utf8");

/** Whether the wasm side can cancel a pending watch step (WasmWatch.cancel, see the report). */
export function watchCancellable() {
  return /class WasmWatch[\s\S]*?\n {4}cancel\(/.test(glue());
}
