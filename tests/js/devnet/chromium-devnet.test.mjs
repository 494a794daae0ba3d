// The live demo: `drand-node devnet` serves www/ (and the package at /pkg/) from node 0; opened
// with no parameters, the page must find the local node by itself (same-origin /chains), verify
// its beacons in headless Chromium and follow new rounds as they come. Offline: any request
// that is not to 127.0.0.1 is aborted and fails the test.
//
//   node --test tests/js/devnet/chromium-devnet.test.mjs
//
// Needs the package built (scripts/build-pkg) and target/debug/drand-node (or DRAND_NODE_BIN).
// Writes target/www-devnet-screenshot.png.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";

import { CHROMIUM, launchOffline } from "../lib/chromium.mjs";

import { REPO, startDevnet } from "../lib/devnet.mjs";

const SCREENSHOT = join(REPO, "target", "www-devnet-screenshot.png");
const WAIT_MS = 20_000;
let net;
let context;
let userDataDir;
const blocked = [];

before(async () => {
  assert.ok(
    existsSync(join(REPO, "pkg", "gen", "full", "drand_lite_bg.wasm")),
    "pkg/ is not built: run scripts/build-pkg first",
  );
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
  // The devnet and the browser start together.
  const started = startDevnet({ scheme: "bls-unchained-g1-rfc9380" });
  started.catch(() => {}); // Awaited below; this only keeps an early failure from being "unhandled".
  userDataDir = mkdtempSync(join(tmpdir(), "drand-lite-chromium-devnet-"));
  try {
    context = await launchOffline(userDataDir, blocked);
  } finally {
    net = await started;
  }
});

after(async () => {
  await context?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await net?.stop();
  assert.deepEqual(blocked, [], "the page tried to leave the loopback interface");
});

test("the page served by the devnet follows its chain live, verified", { timeout: 90_000 }, async (t) => {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  const consoleLines = [];
  page.on("pageerror", (err) => errors.push(err));
  page.on("console", (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  const text = async (selector) => (await page.locator(selector).textContent())?.trim();
  const explain = async () => `\nconsole:\n${consoleLines.join("\n")}\nerror box: ${await text("#error")}`;
  try {
    await page.addInitScript(() => {
      window.__statuses = [];
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.target.id === "beacon") window.__statuses.push(r.target.getAttribute("data-status"));
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
    });
    const home = await fetch(`${net.http}/`);
    assert.equal(home.status, 200, `the devnet serves no demo page at /:\n${net.output()}`);
    assert.match(home.headers.get("content-type"), /^text\/html/);
    await home.text();
    await page.goto(`${net.http}/`, { waitUntil: "load" });
    assert.equal(new URL(page.url()).search, "");

    // The first verified beacon, of the devnet's chain, from the node itself.
    const settled = await page.waitForFunction(() => {
      const s = document.getElementById("beacon")?.dataset.status;
      return s === "verified" || s === "failed" ? s : false;
    });
    assert.equal(await settled.jsonValue(), "verified", await explain());
    assert.equal(await text("#chain-hash"), net.chainHash);
    assert.equal(await text("#chain-id"), "default");
    assert.equal(await text("#chain-scheme"), net.scheme);
    assert.equal(await page.locator("#chain-select").inputValue(), "relay");
    assert.match(await text("#source"), new RegExp(`${net.http.replace(/[.]/g, "\\.")}.*${net.chainHash}`));
    const first = Number(await text("#round"));
    assert.ok(first >= 1, `round ${first}`);
    const shown = await page.evaluate(() => ({
      round: Number(document.getElementById("round").textContent),
      randomness: document.getElementById("randomness").textContent.trim(),
      signature: document.getElementById("signature").textContent.trim(),
    }));
    const served = await (await fetch(`${net.http}/public/${shown.round}`)).json();
    assert.equal(shown.randomness, served.randomness);
    assert.equal(shown.signature, served.signature);

    // Live: newer rounds replace it (1 s rounds), each verified, and pile up in the history.
    await page.waitForFunction(
      (r) => {
        const b = document.getElementById("beacon");
        return b.dataset.status === "verified" && Number(b.dataset.round) >= r + 2;
      },
      first,
      { timeout: 10_000 },
    );
    const rows = await page
      .locator("#history-body tr")
      .evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.round)));
    assert.ok(rows.length >= 3, `history ${rows}`);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i] < rows[i - 1], `history newest first: ${rows}`);
    assert.match(await text("#status-text"), /^Verified/);
    const statuses = await page.evaluate(() => window.__statuses);
    assert.ok(!statuses.includes("failed"), `statuses: ${statuses}`);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(readFileSync(SCREENSHOT).length > 10_000);
    t.diagnostic(`screenshot: ${SCREENSHOT}`);
    console.log(`screenshot: ${SCREENSHOT}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
