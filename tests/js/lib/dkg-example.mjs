// Runs the README's worked example (scripts/dkg-example) for the JS tests: five node processes
// started by the script itself, on a free port base, in a fresh temporary directory. Node only.
//
//   const ex = await dkgExample();         // DIR, BIN and BASE chosen, nothing started yet
//   await ex.run("first");                 // scripts/dkg-example first (throws with its output)
//   ex.http(0)                             // http://127.0.0.1:BASE+200
//   await ex.cleanup();                    // `stop`, then SIGKILL whatever is left, rm -rf DIR
//
// The nodes are not children of the test (the script starts them with nohup), so the cleanup
// also runs when the test process exits early or is interrupted.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { REPO, drandNodeBin } from "./devnet.mjs";

const SCRIPT = join(REPO, "scripts", "dkg-example");
const NODES = 5;

/** Whether 127.0.0.1:`port` can be listened on right now. */
function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first port of the kernel's ephemeral range (outgoing connections take ports from it). */
function ephemeralLow() {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "latin1").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 21_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A random base from 20000 up to the ephemeral range whose gRPC, control and HTTP ports
 * (base+i, +100+i, +200+i) are free.
 */
export async function freePortBase() {
  // Below the ephemeral range: a port that is free now must stay free while the nodes' own
  // outgoing connections (which take ephemeral ports) come and go before node 4 starts. From
  // 20000 up: `drand-node devnet`s running meanwhile pick their ports below 20000.
  const span = ephemeralLow() - 300 - 20_000;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * span);
    const ports = [0, 100, 200].flatMap((offset) => Array.from({ length: NODES }, (_, i) => base + offset + i));
    let free = true;
    for (const port of ports) {
      if (!(await portFree(port))) {
        free = false;
        break;
      }
    }
    if (free) return base;
  }
  throw new Error("no free port base found in 50 attempts");
}

/** Whether `pid` is alive and runs drand-node (guards against a reused pid). */
function isDrandNode(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("drand-node");
  } catch {
    return false;
  }
}

const live = new Set();
process.once("exit", () => {
  for (const ex of live) ex.killAll();
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const ex of live) ex.killAll();
    process.kill(process.pid, signal);
  });
}

/** A fresh example: `{ dir, bin, base, run(step), http(i), groupFile(i), log(i), cleanup(), killAll() }`. */
export async function dkgExample() {
  const bin = drandNodeBin();
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: run cargo build -p drand-node --bin drand-node (or set DRAND_NODE_BIN)`);
  }
  const root = mkdtempSync(join(tmpdir(), "drand-dkg-example-"));
  const dir = join(root, "ex");
  const base = await freePortBase();
  const env = { ...process.env, DIR: dir, BIN: bin, BASE: String(base) };
  const node = (i) => join(dir, `node${i}`);
  const ex = {
    dir,
    bin,
    base,
    /** Runs `scripts/dkg-example STEP`; resolves with its output, rejects with it and the node logs. */
    run(step, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        execFile(SCRIPT, [step], { cwd: REPO, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          if (!err) return resolve(stdout + stderr);
          const logs = Array.from({ length: NODES }, (_, i) => ex.log(i))
            .map((log, i) => (log ? `--- node${i}/node.log (tail)\n${log.split("\n").slice(-15).join("\n")}` : ""))
            .join("\n");
          reject(new Error(`scripts/dkg-example ${step} failed (${err.code ?? err.signal}):\n${stdout}${stderr}\n${logs}`));
        });
      });
    },
    http: (i) => `http://127.0.0.1:${base + 200 + i}`,
    groupFile: (i) => join(node(i), "multibeacon", "default", "groups", "drand_group.toml"),
    log(i) {
      try {
        return readFileSync(join(node(i), "node.log"), "utf8");
      } catch {
        return "";
      }
    },
    /** SIGKILLs every node listed in DIR/node*\/pid that still runs drand-node. Synchronous. */
    killAll() {
      for (let i = 0; i < NODES; i++) {
        let pid;
        try {
          pid = Number(readFileSync(join(node(i), "pid"), "utf8").trim());
        } catch {
          continue;
        }
        if (pid > 0 && isDrandNode(pid)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Exited meanwhile.
          }
        }
      }
    },
    /** `scripts/dkg-example stop`, then SIGKILL as a last resort, then removes the directory. */
    async cleanup() {
      try {
        await ex.run("stop", 30_000);
      } catch (err) {
        console.error(`dkg-example stop: ${err.message}`);
      }
      // Give the nodes a moment to exit after the stop request, then kill what is left.
      const deadline = Date.now() + 5_000;
      const alive = () =>
        Array.from({ length: NODES }, (_, i) => {
          try {
            return Number(readFileSync(join(node(i), "pid"), "utf8").trim());
          } catch {
            return 0;
          }
        }).filter((pid) => pid > 0 && isDrandNode(pid));
      while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      ex.killAll();
      live.delete(ex);
      if (process.env.KEEP_DEVNET) return console.log(`dkg example kept in ${root}`);
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  live.add(ex);
  return ex;
}
