// Argument handling shared by every entry: errors with a `code`, JSON text for the wasm side.

/** An `Error` with a stable `code` (and any extra properties). */
export function codedError(code, message, extra) {
  const error = new Error(message);
  error.code = code;
  return Object.assign(error, extra);
}

export const badArgument = (message) => codedError("BAD_ARGUMENT", message);

/**
 * JSON text of chain info or a beacon: strings are passed as they are (the Rust side parses them
 * strictly); objects are stringified here, so a `bigint` round is written as an exact integer
 * (JSON.stringify alone throws on bigint).
 */
export function jsonText(value, what) {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") {
    throw badArgument(`${what} must be an object or a JSON string`);
  }
  const marks = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (typeof v !== "bigint") return v;
    marks.push(v);
    return `\u0000bigint:${marks.length - 1}`;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000bigint:(\d+)"/g, (_m, i) => String(marks[Number(i)]));
}

/** The `chainHash` option: a hex string, or absent. */
export function chainHashOption(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") throw badArgument("options must be an object like { chainHash }");
  const { chainHash } = options;
  if (chainHash === undefined || chainHash === null) return undefined;
  if (typeof chainHash !== "string") throw badArgument("chainHash must be a hex string");
  return chainHash;
}

/** A Unix time in ms: a number, a bigint or a `Date` (the wasm side checks the range). */
export function unixMs(value) {
  return value instanceof Date ? value.getTime() : value;
}
