#!/usr/bin/env node
// A tiny static server for the demo page: the repository's `www/` at `/` (and at `/www/`) and
// `pkg/` at `/pkg/`, nothing else of the repository. Dependency-free; loopback by default.
//
//   node tests/js/static-server.mjs [--port 8080] [--host 127.0.0.1] [--mock-relay]
//
// `--mock-relay` also starts tests/js/mock-relay.mjs in-process and prints demo URLs for it.
// The first stdout line is `WWW_URL=http://127.0.0.1:PORT/`.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `mounts` (URL prefix → directory, longest prefix first) on `host:port`.
 * @returns {Promise<{url: string, port: number, close(): Promise<void>}>}
 */
export async function startStaticServer({
  port = 0,
  host = '127.0.0.1',
  mounts = { '/pkg/': join(REPO, 'pkg'), '/www/': join(REPO, 'www'), '/': join(REPO, 'www') },
} = {}) {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix, resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const sockets = new Set();

  const server = createServer(async (req, res) => {
    const plain = (status, text, extra = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://www').pathname);
    } catch {
      return plain(400, 'bad request\n');
    }
    if (pathname.includes('\0')) return plain(400, 'bad request\n');
    // `/pkg` and `/www` without the slash.
    const bare = table.find(([prefix]) => prefix !== '/' && pathname === prefix.slice(0, -1));
    if (bare) return plain(301, '', { Location: bare[0] });
    const mount = table.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) return plain(404, 'not found\n');
    const [prefix, dir] = mount;
    let file = resolve(dir, '.' + sep + pathname.slice(prefix.length));
    if (file !== dir && !file.startsWith(dir + sep)) return plain(403, 'forbidden\n');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) return plain(301, '', { Location: pathname + '/' });
        file = join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return plain(404, 'not found\n');
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Referrer-Policy': 'no-referrer',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch {
      plain(404, 'not found\n');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const actualPort = server.address().port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`,
    port: actualPort,
    server,
    async close() {
      const closed = new Promise((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

async function main(argv) {
  let port = 8080;
  let host = '127.0.0.1';
  let withRelay = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') port = Number(argv[++i]);
    else if (a === '--host') host = argv[++i];
    else if (a === '--mock-relay') withRelay = true;
    else if (/^\d+$/.test(a)) port = Number(a);
    else {
      console.error(`usage: node tests/js/static-server.mjs [--port N] [--host H] [--mock-relay]`);
      process.exit(2);
    }
  }
  const www = await startStaticServer({ port, host });
  console.log(`WWW_URL=${www.url}`);
  console.log(`demo (mainnet quicknet via the public relays): ${www.url}`);
  let relay;
  if (withRelay) {
    const { startMockRelay } = await import('./mock-relay.mjs');
    relay = await startMockRelay({ host });
    const q = relay.chain('quicknet');
    const d = relay.chain('mainnet-default');
    const demo = (c, round) =>
      `${www.url}?relay=${encodeURIComponent(relay.url)}&chain=${c.info.hash}&round=${round}`;
    console.log(`mock relay (real vector beacons): ${relay.url}`);
    console.log(`  quicknet round 1000:        ${demo(q, 1000)}`);
    console.log(`  mainnet default round 1:    ${demo(d, 1)}`);
    console.log(
      `  a lying relay (bad signature): ${www.url}?relay=${encodeURIComponent(relay.faultUrl('bad-signature'))}` +
        `&chain=${q.info.hash}&round=1000`,
    );
  }
  const stop = async () => {
    await Promise.all([www.close(), relay?.close()]);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message ?? err);
    process.exit(1);
  });
}
