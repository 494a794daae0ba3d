// Runs worker.mjs under workerd (npm `workerd`) against the packed package: writes a config
// that declares every module of tests/js/node_modules/drand-lite (the wasm as `wasm` modules)
// under the names the package's relative imports resolve to, and `drand-lite` /
// `drand-lite/slim` as the files the exports map gives for the `workerd` condition, as
// wrangler would resolve them. Needs MOCK_RELAY_URL (tests/js/lib/with-relay.mjs).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beaconFields, chainFile } from "../lib/vectors.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const PKG = join(HERE, "..", "node_modules", "drand-lite");
const WORKERD = join(HERE, "..", "..", "..", "node_modules", ".bin", "workerd");
const relayUrl = process.env.MOCK_RELAY_URL;
if (!relayUrl) throw new Error("MOCK_RELAY_URL is not set");

const dir = mkdtempSync(join(tmpdir(), "drand-lite-workerd-"));
try {
  // The package's modules, named node_modules/drand-lite/<path>.
  cpSync(PKG, join(dir, "node_modules", "drand-lite"), { recursive: true });
  const modules = [];
  const walk = (sub) => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = join(sub, e.name);
      if (e.isDirectory()) walk(path);
      else if (path.endsWith(".wasm")) modules.push(`(name = "${path}", wasm = embed "${path}")`);
      // The base64 copies are for the deno/default entries; workerd never loads them.
      else if (path.endsWith(".js") && !path.endsWith("wasm-base64.js")) modules.push(`(name = "${path}", esModule = embed "${path}")`);
    }
  };
  walk(join("node_modules", "drand-lite"));

  // Bare specifiers, mapped as the exports map's workerd condition says.
  const { exports } = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  for (const subpath of [".", "./slim"]) {
    const name = subpath === "." ? "drand-lite" : `drand-lite/${subpath.slice(2)}`;
    const target = join("node_modules", "drand-lite", exports[subpath].workerd);
    // Relative to the shim's own name ("drand-lite/slim" sits one level down).
    const up = "../".repeat(name.split("/").length - 1) || "./";
    writeFileSync(join(dir, `${subpath === "." ? "full" : "slim"}-shim.js`), `export * from "${up}${target}";\n`);
    modules.push(`(name = "${name}", esModule = embed "${subpath === "." ? "full" : "slim"}-shim.js")`);
  }

  const vectors = ["mainnet-quicknet.json", "mainnet-default.json", "testnet-unchained-3s.json", "testnet-g.json"].map((name) => {
    const f = chainFile(name);
    return { name, chain: f.chain, beacons: f.beacons.slice(0, 6).map(beaconFields), invalid: f.invalid.map((b) => ({ ...beaconFields(b), why: b.why })) };
  });
  writeFileSync(join(dir, "vectors.json"), JSON.stringify(vectors));
  cpSync(join(HERE, "worker.mjs"), join(dir, "worker.mjs"));

  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Loopback only: the mock relay.
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "vectors.json", json = embed "vectors.json"),
    ${modules.join(",\n    ")},
  ],
  bindings = [(name = "RELAY_URL", text = "${relayUrl}")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`,
  );
  const run = spawnSync(WORKERD, ["test", join(dir, "config.capnp")], { stdio: "inherit", cwd: dir });
  if (run.error) throw run.error;
  if (run.status !== 0) {
    console.error(`workerd test failed (status ${run.status}, signal ${run.signal}); config in ${relative(process.cwd(), dir)}`);
    process.exitCode = 1;
  }
} finally {
  if (!process.exitCode) rmSync(dir, { recursive: true, force: true });
}
