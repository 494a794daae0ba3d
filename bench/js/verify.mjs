// Benchmark: drand-lite (the npm package in pkg/) against npm drand-client@1.4.2, in one Node
// process, on the same real beacons from the shared vectors (../shared/vectors, or
// $DRAND_VECTORS). Run it with scripts/bench-js. It prints, per scheme:
//   * single verification: median ms of each library (interleaved samples, after a warm-up)
//     and the ratio, against the target (>= 5x);
//   * a batch of 100: ms per beacon for drand-lite's verifyBeacons() against drand-client
//     verifying one by one (it has no batch API), against the target (>= 15x); files with fewer
//     than 100 beacons are repeated to reach 100 (the table says so);
// then the package size (gzip -9 of what a bundler ships for the `browser` condition of the
// full and `drand-lite/slim` entries) against <= 60 KB / <= 45 KB, and drand-client's size for
// reference. Figures, not a timed test: it exits 0 unless a genuine beacon fails to verify
// (BENCH_ENFORCE=1 also makes a missed target an error).
//
// drand-client does not export its verifyBeacon(); its public path, used here, is
// fetchBeacon(client, round) with an in-memory ChainClient (the interface it documents for
// non-HTTP transports): get() returns the beacon, chain().info() the chain info, and
// fetchBeacon verifies exactly as it does for beacons fetched over HTTP. No network is used.
//
// Environment:
//   DRAND_VECTORS      vectors directory (default ../shared/vectors beside the checkout)
//   DRAND_LITE_IMPL    pkg (default: pkg/'s exports map, `node` condition, full entry),
//                      slim (the drand-lite/slim entry), or raw (the wasm-bindgen output in
//                      target/bench-js-pkg/, built by `scripts/bench-js --raw`);
//                      unset: pkg, else raw if pkg/ is not built
//   BENCH_SCHEMES      comma-separated scheme names (default: all, e.g.
//                      BENCH_SCHEMES=quicknet,evmnet)
//   BENCH_SAMPLES      single-verification samples per library and scheme (default 30)
//   BENCH_BATCH_REPS   timed drand-lite batches per scheme (default 5), interleaved with as
//                      many slices of drand-client's single 100-beacon run
//   BENCH_ENFORCE=1    exit 1 when a target is missed

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VECTORS = path.resolve(process.env.DRAND_VECTORS || path.join(ROOT, "../shared/vectors"));
const SAMPLES = positiveInt("BENCH_SAMPLES", 30);
const BATCH_REPS = positiveInt("BENCH_BATCH_REPS", 5);
const BATCH = 100;
const TARGET = { single: 5, batch: 15, fullKB: 60, slimKB: 45 };

// One row per chain. `later` keeps a scheme out of the default run; BENCH_SCHEMES brings it in.
const SCHEMES = [
  { name: "default", file: "mainnet-default.json", scheme: "pedersen-bls-chained" },
  { name: "unchained-3s", file: "testnet-unchained-3s.json", scheme: "pedersen-bls-unchained" },
  { name: "fastnet", file: "mainnet-fastnet.json", scheme: "bls-unchained-on-g1" },
  { name: "quicknet", file: "mainnet-quicknet.json", scheme: "bls-unchained-g1-rfc9380" },
  { name: "evmnet", file: "mainnet-evmnet.json", scheme: "bls-bn254-unchained-on-g1" },
];

function positiveInt(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- the two libraries

/** drand-lite as { label, verify(info, beacon), verifyMany(info, beacons) }. */
async function loadDrandLite() {
  const want = process.env.DRAND_LITE_IMPL || "auto";
  const pkgDir = path.join(ROOT, "pkg");
  const pkgBuilt = existsSync(path.join(pkgDir, "gen/full/drand_lite_bg.wasm"));
  if (want === "pkg" || want === "slim" || (want === "auto" && pkgBuilt)) {
    const pkg = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
    const key = want === "slim" ? "./slim" : ".";
    const file = pkg.exports[key].node;
    const m = await import(pathToFileURL(path.join(pkgDir, file)).href);
    return {
      label: `${pkg.name} ${pkg.version} (pkg, exports["${key}"].node = ${file})`,
      verify: (info, beacon) => m.verifyBeacon(info, beacon, { chainHash: info.hash }),
      verifyMany: (info, beacons) => m.verifyBeacons(info, beacons, { chainHash: info.hash }),
    };
  }
  const raw = path.join(ROOT, "target/bench-js-pkg/drand_lite.js");
  if (want === "raw" || want === "auto") {
    if (!existsSync(raw)) {
      throw new Error(
        "neither pkg/ (scripts/build-pkg) nor target/bench-js-pkg/ (scripts/bench-js --raw) is built",
      );
    }
    const m = await import(pathToFileURL(raw).href);
    // The raw exports take JSON text, as pkg/lib/verifier.js passes them.
    const text = JSON.stringify;
    return {
      label: "raw wasm-bindgen output (target/bench-js-pkg, --target experimental-nodejs-module)",
      verify: (info, beacon) => m.verifyBeacon(text(info), text(beacon), info.hash),
      verifyMany: (info, beacons) => m.verifyBeacons(text(info), beacons.map((b) => text(b)), info.hash),
    };
  }
  throw new Error(`DRAND_LITE_IMPL must be pkg, slim or raw, not ${want}`);
}

/** drand-client as { label, verifier(info) -> async verify(beacon) }. */
/** drand-client's package directory (its exports map hides package.json; build/ has a copy). */
function drandClientDir() {
  const require = createRequire(path.join(ROOT, "package.json"));
  const entry = require.resolve("drand-client");
  const marker = `${path.sep}node_modules${path.sep}drand-client${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`drand-client resolved outside node_modules: ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}

async function loadDrandClient() {
  const meta = JSON.parse(readFileSync(path.join(drandClientDir(), "package.json"), "utf8"));
  const dc = await import("drand-client");
  return {
    label: `drand-client ${meta.version}`,
    version: meta.version,
    verifier(info) {
      let current;
      const client = {
        options: { ...dc.defaultChainOptions, disableBeaconVerification: false },
        chain: () => ({ baseUrl: "memory:", info: async () => info }),
        get: async () => current,
        latest: async () => current,
      };
      // fetchBeacon throws "The beacon retrieved was not valid!" when verification fails.
      return async (beacon) => {
        current = beacon;
        await dc.fetchBeacon(client, beacon.round);
      };
    },
  };
}

// ---------------------------------------------------------------- measurements

function checkLite(result, beacon) {
  if (!result || BigInt(result.round) !== BigInt(beacon.round) || result.randomness !== beacon.randomness) {
    throw new Error(`drand-lite returned ${JSON.stringify(result)} for round ${beacon.round}`);
  }
}

async function benchScheme(lite, client, spec) {
  const vectors = JSON.parse(readFileSync(path.join(VECTORS, spec.file), "utf8"));
  const info = vectors.chain;
  if (info.schemeID !== spec.scheme) {
    throw new Error(`${spec.file}: scheme ${info.schemeID}, expected ${spec.scheme}`);
  }
  const beacons = vectors.beacons;
  const verifyClient = client.verifier(info);
  const step = (i) => beacons[i % beacons.length];

  // Warm-up: every beacon once with each library (JIT, noble's lazy precomputation, wasm
  // tier-up), then more rounds until each has run for at least 300 ms.
  for (const [name, run] of [
    ["drand-lite", async (b) => checkLite(lite.verify(info, b), b)],
    ["drand-client", verifyClient],
  ]) {
    const t0 = performance.now();
    try {
      for (let i = 0; i < beacons.length || performance.now() - t0 < 300; i++) await run(step(i));
    } catch (e) {
      throw new Error(`${name}: ${e.message}`);
    }
  }

  // Single verification, samples interleaved so drift hits both libraries alike.
  const liteMs = [];
  const clientMs = [];
  for (let i = 0; i < SAMPLES; i++) {
    const b = step(i);
    let t = performance.now();
    const r = lite.verify(info, b);
    liteMs.push(performance.now() - t);
    checkLite(r, b);
    t = performance.now();
    await verifyClient(b);
    clientMs.push(performance.now() - t);
  }

  // Batch of 100: real beacons, repeated when the file has fewer.
  const batch = Array.from({ length: BATCH }, (_, i) => step(i));
  const checkBatch = (out) => {
    if (!Array.isArray(out) || out.length !== BATCH) throw new Error("verifyBeacons: bad result");
    out.forEach((r, i) => checkLite(r, batch[i]));
  };
  checkBatch(lite.verifyMany(info, batch)); // warm-up
  // drand-lite's timed batches alternate with slices of drand-client's one-by-one run, so both
  // see the same machine load; drand-client's figure is its whole 100-beacon run.
  const batchMs = [];
  let clientBatchMs = 0;
  for (let rep = 0; rep < BATCH_REPS; rep++) {
    let t = performance.now();
    const out = lite.verifyMany(info, batch);
    batchMs.push(performance.now() - t);
    checkBatch(out);
    t = performance.now();
    const from = Math.floor((rep * BATCH) / BATCH_REPS);
    for (const b of batch.slice(from, Math.floor(((rep + 1) * BATCH) / BATCH_REPS))) await verifyClient(b);
    clientBatchMs += performance.now() - t;
  }

  const single = { lite: median(liteMs), client: median(clientMs) };
  const perBeacon = { lite: median(batchMs) / BATCH, client: clientBatchMs / BATCH };
  return {
    spec,
    real: beacons.length,
    single: { ...single, ratio: single.client / single.lite },
    batch: { ...perBeacon, ratio: perBeacon.client / perBeacon.lite },
  };
}

// ---------------------------------------------------------------- sizes

/** gzip -9 bytes, as scripts/build-pkg counts them (zlib level 9 if gzip is missing). */
function gzBytes(file) {
  if (!existsSync(file)) throw new Error(`${file}: not found`);
  try {
    return execFileSync("gzip", ["-9c", file], { maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] }).length;
  } catch {
    return gzipSync(readFileSync(file), { level: 9 }).length;
  }
}

/**
 * Files a bundler ships for one entry: the entry module, every module it imports relatively
 * (transitively), and the assets it references as `new URL("…", import.meta.url)`.
 */
function shippedFiles(entryFile) {
  const seen = new Set();
  const todo = [entryFile];
  const importRe = /\b(?:import|export)\s*(?:[\w*{}\s,]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g;
  const urlRe = /new\s+URL\(\s*["']([^"':]+)["']\s*,\s*import\.meta\.url\s*\)/g;
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith(".js") && !file.endsWith(".mjs")) continue;
    const src = readFileSync(file, "utf8");
    for (const re of [importRe, urlRe]) {
      for (const m of src.matchAll(re)) todo.push(path.resolve(path.dirname(file), m[1]));
    }
  }
  return [...seen];
}

function packageSizes() {
  const pkgDir = path.join(ROOT, "pkg");
  if (!existsSync(path.join(pkgDir, "gen/full/drand_lite_bg.wasm"))) return null;
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  return [
    { key: ".", name: "full (drand-lite)", targetKB: TARGET.fullKB },
    { key: "./slim", name: "slim (drand-lite/slim)", targetKB: TARGET.slimKB },
  ].map((e) => {
    const files = shippedFiles(path.join(pkgDir, pkg.exports[e.key].browser));
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length) throw new Error(`missing package files: ${missing.join(", ")}`);
    const wasm = files.filter((f) => f.endsWith(".wasm")).reduce((s, f) => s + gzBytes(f), 0);
    const js = files.filter((f) => !f.endsWith(".wasm")).reduce((s, f) => s + gzBytes(f), 0);
    return { ...e, files: files.length, wasm, js, total: wasm + js };
  });
}

/**
 * drand-client's size without a minifier (esbuild is not installed; none is added): gzip -9 of
 * its published ESM bundle as is, and with comments and indentation removed by TypeScript's
 * transpiler when it is present (names are not mangled, so both are upper bounds).
 */
function drandClientSize() {
  const require = createRequire(path.join(ROOT, "package.json"));
  const bundle = path.join(drandClientDir(), "build/esm/index.mjs");
  const out = { file: path.relative(ROOT, bundle), raw: gzBytes(bundle) };
  try {
    const ts = require("typescript");
    const js = ts.transpileModule(readFileSync(bundle, "utf8"), {
      compilerOptions: { removeComments: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext },
    }).outputText;
    const stripped = js
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join("\n");
    out.stripped = gzipSync(Buffer.from(stripped), { level: 9 }).length;
  } catch {
    // no typescript: the raw figure only
  }
  return out;
}

// ---------------------------------------------------------------- report

const f2 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const mark = (ok) => (ok ? "ok" : "MISSED");

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  "))
    .join("\n");
}

async function main() {
  const started = performance.now();
  const wanted = process.env.BENCH_SCHEMES?.split(",").map((s) => s.trim()).filter(Boolean);
  const specs = wanted
    ? wanted.map((n) => SCHEMES.find((s) => s.name === n) ?? fail(`unknown scheme ${n}`))
    : SCHEMES.filter((s) => !s.later);

  const lite = await loadDrandLite();
  const client = await loadDrandClient();
  console.log(`drand-lite vs drand-client: ${lite.label}`);
  console.log(
    `  against ${client.label}; node ${process.version}, ${availableParallelism()} CPUs,` +
      ` load average ${loadavg()[0].toFixed(2)} at start`,
  );
  console.log(`  vectors ${VECTORS}`);
  if (client.version !== "1.4.2") console.log(`  note: drand-client is ${client.version}, not 1.4.2`);
  for (const s of SCHEMES.filter((s) => s.later && !specs.includes(s))) {
    console.log(`  skipped ${s.name} (${s.scheme}): ${s.later}`);
  }
  console.log(
    `  single: median of ${SAMPLES} interleaved samples per library after warm-up; batch: ${BATCH} beacons,` +
      ` drand-lite verifyBeacons() median of ${BATCH_REPS} vs drand-client one by one (no batch API)\n`,
  );

  const results = [];
  let failed = false;
  for (const spec of specs) {
    try {
      results.push(await benchScheme(lite, client, spec));
    } catch (e) {
      failed = true;
      console.log(`${spec.name} (${spec.scheme}): FAILED: ${e.message}`);
    }
  }

  let missed = false;
  const rows = [
    ["scheme", "beacons", "single lite ms", "client ms", "ratio", `>=${TARGET.single}x`,
      "batch lite ms/b", "client ms/b", "ratio", `>=${TARGET.batch}x`],
  ];
  const notes = [];
  for (const r of results) {
    const okS = r.single.ratio >= TARGET.single;
    const okB = r.batch.ratio >= TARGET.batch;
    missed ||= !okS || !okB;
    const repeated = r.real < BATCH;
    if (repeated) notes.push(`${r.spec.name} ${r.real} -> ${BATCH} (x${(BATCH / r.real).toFixed(1)})`);
    rows.push([
      `${r.spec.name} (${r.spec.scheme})`,
      `${r.real}${repeated ? "*" : ""}`,
      f2(r.single.lite), f2(r.single.client), `${r.single.ratio.toFixed(1)}x`, mark(okS),
      f2(r.batch.lite), f2(r.batch.client), `${r.batch.ratio.toFixed(1)}x`, mark(okB),
    ]);
  }
  if (results.length) console.log(table(rows));
  if (notes.length) {
    console.log(`* fewer than ${BATCH} real beacons in the file; the batch repeats them: ${notes.join(", ")}`);
  }

  console.log("\npackage size, gzip -9 per file (entry + imported JS + wasm for the `browser` condition):");
  const sizes = packageSizes();
  if (!sizes) {
    console.log("  pkg/ is not built (scripts/build-pkg): no package size");
  } else {
    for (const s of sizes) {
      const ok = s.total <= s.targetKB * 1024;
      missed ||= !ok;
      console.log(
        `  ${s.name.padEnd(22)} wasm ${String(s.wasm).padStart(6)} B + JS ${String(s.js).padStart(5)} B` +
          ` (${s.files} files) = ${kb(s.total).padStart(8)}   target <= ${s.targetKB} KB  ${mark(ok)}`,
      );
    }
  }
  const dcs = drandClientSize();
  console.log(
    `  drand-client (reference): ${dcs.file} unminified ${kb(dcs.raw)}` +
      (dcs.stripped ? `, comments/indentation stripped ${kb(dcs.stripped)}` : "") +
      " gzip -9 (no minifier installed: upper bounds; the issue quotes 55.5 KB min+gzip)",
  );
  console.log(
    `\n(${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()[0].toFixed(2)} at the end:` +
      " other work on these cores skews single figures, less so the interleaved ratios)",
  );

  if (failed) process.exitCode = 1;
  else if (missed && process.env.BENCH_ENFORCE === "1") process.exitCode = 1;
}

function fail(message) {
  throw new Error(message);
}

await main();
