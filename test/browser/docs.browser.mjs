#!/usr/bin/env node
// Property: the API reference at /docs works in a real browser under its own
// strict CSP: every operation of /openapi.json is listed, the page logs no
// error and breaks no CSP rule, and every request it makes stays on the
// service's origin (no CDN). /docs has its own CSP (scripts and styles
// 'self' only), while the API keeps its deny-all one.
//
// `npm run test:browser`: starts the service as a developer would (see
// ./serve.mjs), drives Debian's Chromium through playwright-core, and keeps a
// full-page screenshot at test/browser/artifacts/docs.png (DOCS_SCREENSHOT
// names another path). Not part of `npm test`, which needs only Node and npm.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startService } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SCREENSHOT = resolve(process.env.DOCS_SCREENSHOT || `${here}/artifacts/docs.png`);
// Headless as root (CI), with nothing that phones home: the machines have no internet.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"];

let service;
let browser;
/** What the page did while it was open. */
const seen = { errors: [], violations: [], requests: [] };
let documentResponse;
let listed = [];

async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${error instanceof Error ? error.message : error}`);
  }
}

before(async () => {
  // The browser first: if it cannot start, say so before spending time on the service.
  browser = await launchChromium();
  service = await startService();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  // Chromium logs a CSP violation as a console error; the event also catches any it doesn't.
  await page.exposeBinding("reportViolation", (_source, text) => seen.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error") seen.errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => seen.errors.push(`page: ${error.message}`));
  page.context().on("request", (request) => seen.requests.push(request.url()));
  page.on("requestfailed", (request) => seen.errors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));

  documentResponse = await page.goto(`${service.url}/docs`, { waitUntil: "load", timeout: 60_000 });
  // Swagger UI renders after it has fetched and parsed /openapi.json.
  await page.waitForSelector(".opblock", { timeout: 60_000 });
  listed = await page.$$eval(".opblock", (blocks) =>
    blocks.map((block) => {
      const method = block.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "?";
      const path = block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "?";
      return `${method.toUpperCase()} ${path}`;
    }),
  );
  // Open one operation (its parameters, body schema and responses) and the
  // schemas section, so their rendering runs under the CSP too.
  await page.locator(".opblock-summary-control").first().click();
  await page.waitForSelector(".opblock-body .responses-wrapper", { timeout: 30_000 });
  await page.locator(".models-control").click();
  await page.locator(".models .json-schema-2020-12-expand-deep-button").first().click();
  await page.waitForSelector(".models .json-schema-2020-12-body:not(.json-schema-2020-12-body--collapsed)", { timeout: 30_000 });
  await page.waitForLoadState("networkidle");

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`screenshot: ${SCREENSHOT}`);
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

test("/docs lists every operation of /openapi.json", async () => {
  const doc = await (await fetch(`${service.url}/openapi.json`)).json();
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
  assert.ok(operations.length > 0, "the document has no operation");
  assert.deepEqual([...listed].sort(), [...operations].sort());
});

test("the page logs no error and breaks no CSP rule", () => {
  assert.deepEqual(seen.violations, [], "CSP violations");
  assert.deepEqual(seen.errors, [], "console errors, page errors and failed requests");
});

test("every request the page made stayed on the service's origin (no CDN)", () => {
  assert.ok(seen.requests.length >= 5, `only ${seen.requests.length} requests seen`);
  const elsewhere = seen.requests.filter((url) => new URL(url).origin !== service.url);
  assert.deepEqual(elsewhere, []);
  assert.ok(seen.requests.includes(`${service.url}/openapi.json`), "the page never fetched /openapi.json");
});

test("/docs has its own CSP: scripts and styles from 'self' only", () => {
  assert.equal(documentResponse.status(), 200);
  const csp = directives(documentResponse.headers()["content-security-policy"]);
  assert.deepEqual(csp.get("script-src"), ["'self'"]);
  assert.deepEqual(csp.get("style-src"), ["'self'"]);
  assert.deepEqual(csp.get("default-src"), ["'none'"]);
  assert.deepEqual(csp.get("frame-ancestors"), ["'none'"]);
});

test("an API route keeps the deny-all CSP and its security headers", async () => {
  const response = await fetch(`${service.url}/health`);
  assert.equal(response.status, 200, await response.clone().text());
  const csp = directives(response.headers.get("content-security-policy"));
  assert.deepEqual(csp.get("default-src"), ["'none'"]);
  assert.equal(csp.has("script-src"), false);
  assert.equal(csp.has("style-src"), false);
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.equal(response.headers.get("cache-control"), "no-store");
});

/** A CSP header as a map of directive to its sources. */
function directives(header) {
  assert.ok(header, "no Content-Security-Policy header");
  return new Map(header.split(";").map((part) => part.trim().split(/\s+/)).filter(([name]) => name).map(([name, ...sources]) => [name, sources]));
}
