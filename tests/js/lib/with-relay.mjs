// Runs a command with a mock relay up: `node tests/js/lib/with-relay.mjs CMD ARGS...` sets
// MOCK_RELAY_URL for CMD, then stops the relay and exits with CMD's status.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { spawnRelay } from "./relay.mjs";

const [cmd, ...args] = process.argv.slice(2);
const relay = await spawnRelay();
const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, MOCK_RELAY_URL: relay.url } });
const [code, signal] = await once(child, "exit");
await relay.stop();
process.exit(code ?? (signal ? 1 : 0));
