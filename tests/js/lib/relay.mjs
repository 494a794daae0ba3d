// The mock relay (tests/js/mock-relay.mjs) in a child process, so a test may fake its own
// clock (Date.now) without moving the relay's. Node only.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const MOCK_RELAY = fileURLToPath(new URL("../mock-relay.mjs", import.meta.url));

/**
 * Starts a relay; `args` are the mock relay's CLI options (e.g. ["--latest", "fastnet:72800"]).
 * Resolves once it listens, with `{ url, port, faultUrl(spec), readyAtMs, stop() }`; `readyAtMs`
 * is the real time at which its virtual clocks had started (they started a little earlier).
 */
export async function spawnRelay(args = []) {
  const child = spawn(process.execPath, [MOCK_RELAY, "--quiet", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`mock relay exited with ${code} before listening`);
  });
  const first = new Promise((resolve) => lines.once("line", resolve));
  const line = await Promise.race([first, exited]);
  exited.catch(() => {});
  const readyAtMs = Date.now();
  const match = /^MOCK_RELAY_URL=(http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
  if (!match) throw new Error(`unexpected mock relay output: ${line}`);
  const url = match[1];
  return {
    url,
    port: Number(match[2]),
    readyAtMs,
    faultUrl: (spec) => `${url}/_fault/${encodeURIComponent(spec)}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, "exit");
      child.kill("SIGTERM");
      await gone;
    },
  };
}

/** A loopback URL where nothing listens (connection refused). */
export async function deadUrl() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}`;
}
