// An aborted watch must not keep polling: once the loop has ended and the relays are gone, the
// program has to be able to exit. Marked TODO while the wasm side has no WasmWatch.cancel().
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { watchCancellable } from "../lib/package.mjs";

const PROGRAM = fileURLToPath(new URL("../lib/abandoned-watch.mjs", import.meta.url));
// fastnet's period (3 s) plus the watch's longest retry pause (period / 4) and slack.
const DEADLINE_MS = 8000;

test("a program exits after aborting a watch", { todo: !watchCancellable() && "needs WasmWatch.cancel() in src/wasm" }, async () => {
  const child = spawn(process.execPath, [PROGRAM], { stdio: ["ignore", "inherit", "inherit"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS + 3000);
  const started = Date.now();
  const [code, signal] = await once(child, "exit");
  clearTimeout(timer);
  assert.equal(signal, null, `still running ${DEADLINE_MS + 3000} ms later: the aborted watch keeps polling`);
  assert.equal(code, 0);
  assert.ok(Date.now() - started < DEADLINE_MS + 3000);
});
