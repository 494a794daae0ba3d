// Assertions shared by the Node and Deno tests (node:assert works in both).
import assert from "node:assert/strict";

/** Runs `fn` and requires it to throw an Error whose code is `code` (or any code if omitted). */
export function throwsCode(fn, code, note = "") {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a throw${note ? `: ${note}` : ""}`);
  checkCoded(error, code, note);
  return error;
}

/** Like throwsCode for a promise (or a function returning one). */
export async function rejectsCode(promiseOrFn, code, note = "") {
  let error;
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a rejection${note ? `: ${note}` : ""}`);
  checkCoded(error, code, note);
  return error;
}

function checkCoded(error, code, note) {
  assert.ok(error instanceof Error, `not an Error (${String(error)})${note ? `: ${note}` : ""}`);
  assert.match(String(error.code), /^[A-Z][A-Z0-9_]+$/, `no code on "${error.message}"${note ? `: ${note}` : ""}`);
  if (code) assert.equal(error.code, code, `${error.message}${note ? ` (${note})` : ""}`);
}
