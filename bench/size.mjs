#!/usr/bin/env node
/**
 * `npm run size`: builds the worker as `wrangler deploy --dry-run` would and
 * prints its raw and gzip size; fails when gzip exceeds the budget.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET_GZIP_KIB = 200;
const root = fileURLToPath(new URL("..", import.meta.url));

/** Builds `config` into `outdir` and returns its size in KiB. */
export function measureWorker(config = "wrangler.toml", outdir = "dist") {
  const out = join(root, outdir);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out, "--config", config], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(out)) {
    const path = join(out, name);
    if (!statSync(path).isFile() || name.endsWith(".map") || name === "README.md") continue;
    const bytes = readFileSync(path);
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { rawKiB: raw / 1024, gzipKiB: gzip / 1024 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rawKiB, gzipKiB } = measureWorker();
  console.log(`worker bundle: ${rawKiB.toFixed(1)} KiB raw, ${gzipKiB.toFixed(1)} KiB gzip (budget ${BUDGET_GZIP_KIB} KiB gzip)`);
  if (gzipKiB > BUDGET_GZIP_KIB) {
    console.error(`over budget by ${(gzipKiB - BUDGET_GZIP_KIB).toFixed(1)} KiB`);
    process.exit(1);
  }
}
