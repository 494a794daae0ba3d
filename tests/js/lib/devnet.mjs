// A real `drand-node devnet` (N TLS node processes on loopback) for the JS tests. Node only.
//
//   const net = await startDevnet({ scheme: "pedersen-bls-chained" });
//   ... net.http, net.chainHash, net.info (v1 /info JSON) ...
//   await net.stop();
//
// The binary is $DRAND_NODE_BIN, else target/debug/drand-node of the repository (scripts/test-js
// builds it). The devnet runs in a fresh temporary directory, in its own process group, and is
// stopped with SIGINT (it then shuts every node down through its control port). Whatever is still
// alive after that — the devnet, a node listed in devnet.json, a drand-node in its process group —
// is killed (SIGKILL), also when the test process exits early or is interrupted. Linux only.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The drand-node binary the tests run. */
export function drandNodeBin() {
  return process.env.DRAND_NODE_BIN || join(REPO, "target", "debug", "drand-node");
}

const live = new Set();

// Last resort: whatever happens to the test process, take the devnets (and their files) with it.
function killAll() {
  for (const net of live) net.kill({ removeFiles: true });
}
process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/** Whether `pid` is alive and runs drand-node (guards against a reused pid). */
function isDrandNode(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("drand-node");
  } catch {
    return false;
  }
}

/** The drand-node processes of process group `pgid` (the devnet and the nodes it started). */
function groupMembers(pgid) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === pgid && isDrandNode(Number(entry))) pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

function tail(text, lines = 20) {
  return text.split("\n").slice(-lines).join("\n");
}

/**
 * Starts a devnet and resolves once its first beacon verified (devnet.json is written), with
 * `{ http, chainHash, scheme, period, genesisTime, nodes, info, dir, stop() }`; `info` is the
 * v1 `/info` JSON the node serves. Rejects (after cleaning up) if the devnet exits or no beacon
 * verifies within `timeoutMs`.
 */
export async function startDevnet({
  scheme = "bls-unchained-g1-rfc9380",
  nodes = 4,
  threshold = 3,
  period = 1,
  genesisDelay = 2,
  timeoutMs = 60_000,
} = {}) {
  const bin = drandNodeBin();
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: run cargo build -p drand-node --bin drand-node (or set DRAND_NODE_BIN)`);
  }
  const root = mkdtempSync(join(tmpdir(), "drand-devnet-"));
  const dir = join(root, "net");
  const args = [
    "devnet",
    ...["--nodes", String(nodes), "--threshold", String(threshold), "--period", String(period)],
    ...["--scheme", scheme, "--dir", dir, "--http", "127.0.0.1:0", "--genesis-delay", String(genesisDelay)],
  ];
  // No --www: the devnet finds www/ and pkg/ itself, upwards from the binary (target/debug/) or
  // else from its working directory (for a binary elsewhere: DRAND_NODE_BIN, CARGO_TARGET_DIR).
  const child = spawn(bin, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = once(child, "exit");
  let doc = null;
  const removeDir = () => {
    if (process.env.KEEP_DEVNET) return console.log(`devnet kept in ${root}`);
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      console.error(`could not remove ${root}: ${err.message}`);
    }
  };

  const net = {
    dir,
    /** Kills everything at once (SIGKILL); synchronous, for exit handlers. */
    kill({ removeFiles = false } = {}) {
      live.delete(net);
      const pids = new Set([...(doc?.nodes ?? []).map((n) => n.pid), ...groupMembers(child.pid)]);
      if (child.exitCode === null && child.signalCode === null) pids.add(child.pid);
      for (const pid of pids) {
        if (isDrandNode(pid)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Exited meanwhile.
          }
        }
      }
      if (removeFiles) removeDir();
    },
    /** Stops the devnet with SIGINT, kills whatever outlives a grace period, removes its files. */
    async stop() {
      if (!live.has(net)) return;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGINT");
        const timer = new Promise((r) => setTimeout(r, 10_000).unref());
        await Promise.race([exited, timer]);
      }
      const stray = [...new Set([...(doc?.nodes ?? []).map((n) => n.pid), ...groupMembers(child.pid)])].filter(
        isDrandNode,
      );
      net.kill();
      removeDir();
      if (stray.length > 0) throw new Error(`devnet nodes outlived the devnet (killed): ${stray.join(", ")}`);
    },
    /** What the devnet printed so far. */
    output: () => output,
  };
  live.add(net);

  try {
    const deadline = Date.now() + timeoutMs;
    const file = join(dir, "devnet.json");
    while (!existsSync(file)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`drand-node devnet exited (${child.exitCode ?? child.signalCode}) before devnet.json:\n${tail(output)}`);
      }
      if (Date.now() > deadline) throw new Error(`no devnet.json after ${timeoutMs} ms:\n${tail(output)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    doc = JSON.parse(readFileSync(file, "utf8"));
    const response = await fetch(`${doc.http}/info`);
    if (!response.ok) throw new Error(`${doc.http}/info answered ${response.status}`);
    Object.assign(net, {
      http: doc.http,
      chainHash: doc.chain_hash,
      scheme: doc.scheme,
      period: doc.period,
      genesisTime: doc.genesis_time,
      nodes: doc.nodes,
      info: await response.json(),
    });
    return net;
  } catch (err) {
    // The node logs go with the devnet's directory: keep their ends in the error.
    err.message += nodeLogTails(dir);
    await net.stop().catch(() => {});
    throw err;
  }
}

/** The last lines of every node's log under `dir`, for an error message. */
function nodeLogTails(dir) {
  let text = "";
  try {
    for (const entry of readdirSync(dir).filter((e) => /^node\d+$/.test(e)).sort()) {
      const log = join(dir, entry, "node.log");
      if (existsSync(log)) text += `\n--- ${entry}/node.log (end) ---\n${tail(readFileSync(log, "utf8"), 12)}`;
    }
  } catch {
    // No directory yet.
  }
  return text;
}
