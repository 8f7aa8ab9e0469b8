// Shared pieces of the e2e suites: Debian's Chromium through playwright-core with a fresh
// profile, the project's static server, a no-request-leaves-the-origin watch, named checks
// that count "N passed, M failed", and screenshots at the two sizes the app is checked at.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const RESULTS = path.join(ROOT, "test-results");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export const file = (name, buffer, mimeType = "application/octet-stream") => ({ name, mimeType, buffer: Buffer.from(buffer) });

/** Starts the server and a browser; returns {page, context, url, origin, check, finish}. */
export async function launch(prefix) {
  mkdirSync(RESULTS, { recursive: true });
  const { server, url } = await startServer({ root: ROOT, host: "127.0.0.1", port: 0 });
  const origin = new URL(url).origin;
  const userDataDir = mkdtempSync(path.join(tmpdir(), `litequant-${prefix}-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: DESKTOP,
  });
  const offOrigin = [];
  const pageErrors = [];
  context.on("request", (req) => {
    const u = req.url();
    if (u.startsWith("blob:") || u.startsWith("data:")) return;
    if (new URL(u).origin !== origin) offOrigin.push(u);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && pageErrors.push(`console: ${msg.text()}`));
  page.setDefaultTimeout(30_000);
  let passed = 0;
  const failures = [];
  async function check(name, fn) {
    const t0 = Date.now();
    try {
      await fn();
      passed++;
      console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failures.push(name);
      console.log(`FAIL ${name}: ${err.message}`);
      throw err;
    }
  }
  async function finish(err) {
    if (err) {
      await page.screenshot({ path: path.join(RESULTS, `${prefix}-failure.png`), fullPage: true }).catch(() => {});
      if (pageErrors.length) console.log(`page errors:\n  ${pageErrors.join("\n  ")}`);
    }
    await context.close().catch(() => {});
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  function checkClean() {
    assert(offOrigin.length === 0, `requests left the origin ${origin}:\n  ${offOrigin.join("\n  ")}`);
    assert(pageErrors.length === 0, `the page reported errors:\n  ${pageErrors.join("\n  ")}`);
  }
  return { page, context, url, origin, check, finish, checkClean, counts: () => ({ passed, failures }) };
}

/** Waits until `sel`'s attribute `attr` is one of `values`. */
export async function waitAttr(page, sel, attr, values, timeout = 120_000) {
  await page.waitForFunction(([sel, attr, values]) => values.includes(document.querySelector(sel)?.getAttribute(attr)), [sel, attr, values], {
    timeout,
    polling: 100,
  });
}

/** The visible text of a field error (waits for it to show). */
export async function fieldError(page, id) {
  const loc = page.locator(`#${id}`);
  await loc.waitFor({ state: "visible", timeout: 20_000 });
  return loc.innerText();
}

/**
 * Screenshots of `selector` (or the viewport) at 1280×800 and 390×844:
 * test-results/<name>-1280.png and <name>-390.png. Restores the desktop size.
 */
export async function shots(page, name, selector) {
  for (const [vp, tag] of [
    [DESKTOP, "1280"],
    [PHONE, "390"],
  ]) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(150); // charts redraw at the new width
    const p = path.join(RESULTS, `${name}-${tag}.png`);
    if (selector) {
      await page.locator(selector).scrollIntoViewIfNeeded();
      await page.locator(selector).screenshot({ path: p });
    } else await page.screenshot({ path: p });
  }
  await page.setViewportSize(DESKTOP);
}
