// The packed package (tests/js/node_modules/drand-lite, unpacked from `npm pack pkg` by
// scripts/test-js): its exports map, its entries' loading rules, no Node globals at run time.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { beaconFields, chainFile } from "../lib/vectors.mjs";

const PKG = fileURLToPath(new URL("../node_modules/drand-lite/", import.meta.url));
const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
const quicknet = chainFile("mainnet-quicknet.json");
const CONDITIONS = ["types", "workerd", "deno", "node", "browser", "default"];

test("package.json: ESM only, side-effect free, Node >= 20.19", () => {
  assert.equal(manifest.name, "drand-lite");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.engines.node, ">=20.19");
  assert.equal(manifest.main, undefined, "no CommonJS main");
});

test("exports: types first, every runtime condition, every target packed", () => {
  for (const subpath of [".", "./slim"]) {
    assert.deepEqual(Object.keys(manifest.exports[subpath]), CONDITIONS, subpath);
  }
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const targets = typeof target === "string" ? [target] : Object.values(target);
    if (typeof target === "object") assert.equal(Object.keys(target)[0], "types", `${subpath}: types first`);
    for (const file of targets) assert.ok(existsSync(join(PKG, file)), `${subpath}: ${file} is not in the package`);
  }
});

test("entries load the wasm the way their runtime needs", () => {
  const src = (subpath, condition) => readFileSync(join(PKG, manifest.exports[subpath][condition]), "utf8");
  const topLevelAwait = /^await /m;
  for (const subpath of [".", "./slim"]) {
    // Node may require() these: no top-level await anywhere but the browser entry.
    for (const condition of ["workerd", "deno", "node", "default"]) {
      assert.doesNotMatch(src(subpath, condition), topLevelAwait, `${subpath} ${condition}`);
    }
    assert.match(src(subpath, "browser"), topLevelAwait, `${subpath} browser initializes asynchronously`);
    // workerd refuses to compile bytes at run time: the .wasm must be imported as a module.
    assert.match(src(subpath, "workerd"), /^import \w+ from "[^"]+\.wasm";$/m, `${subpath} workerd`);
    assert.doesNotMatch(src(subpath, "workerd"), /new WebAssembly\.Module/, `${subpath} workerd`);
    assert.match(src(subpath, "node"), /readFileSync/, `${subpath} node reads the file synchronously`);
  }
});

// Every .js file a runtime may load, with comments removed.
function runtimeSources() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(PKG, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith(".js") && !rel.endsWith("wasm-base64.js")) {
        const text = readFileSync(join(PKG, rel), "utf8");
        out.push([rel, text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")]);
      }
    }
  };
  for (const dir of ["entry", "lib", "gen"]) walk(dir);
  return out;
}

test("no Node globals in runtime code (guarded feature tests excepted)", () => {
  const nodeGlobal = /(?<![.\w$])\b(Buffer|require|process|window|global|__dirname|__filename)\b/;
  // js-sys finds the global object with `typeof X === 'undefined' ? undefined : X`.
  const guarded = /typeof (\w+) === 'undefined' \? undefined : \1\b/g;
  const files = runtimeSources();
  assert.ok(files.length >= 14, `${files.length} files`);
  for (const [file, source] of files) {
    const text = source.replace(guarded, "");
    const hit = nodeGlobal.exec(text);
    assert.equal(hit, null, `${file}: ${hit?.[0]} near "${text.slice(Math.max(0, hit?.index - 40), hit?.index + 20)}"`);
    // Only the Node entries import Node modules.
    if (!file.endsWith("node.js")) assert.doesNotMatch(text, /from "node:/, file);
  }
});

test("require(esm) works for the Node entries (Node >= 20.19)", () => {
  const require = createRequire(import.meta.url);
  const full = require("drand-lite");
  const beacon = beaconFields(quicknet.beacons[0]);
  assert.equal(full.verifyBeacon(quicknet.chain, beacon).randomness, beacon.randomness);
  assert.equal(typeof full.Client, "function");
  const slim = require("drand-lite/slim");
  assert.equal(slim.verifyBeacon(quicknet.chain, beacon).randomness, beacon.randomness);
});

test("the slim entry is the verifier only", async () => {
  const slim = await import("drand-lite/slim");
  assert.deepEqual(Object.keys(slim).sort(), ["chainInfo", "roundAt", "roundTime", "verifyBeacon", "verifyBeacons"]);
  const full = await import("drand-lite");
  assert.deepEqual(Object.keys(full).sort(), ["Client", "chainInfo", "roundAt", "roundTime", "verifyBeacon", "verifyBeacons"]);
  assert.ok(
    readFileSync(join(PKG, manifest.exports["./verifier.wasm"])).length <
      readFileSync(join(PKG, manifest.exports["./drand-lite.wasm"])).length,
  );
});
