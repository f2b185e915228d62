#!/usr/bin/env node
/**
 * `npm run size`: builds the worker as `wrangler deploy --dry-run` would and
 * prints its raw and gzip size (failing when gzip exceeds the budget), then its
 * startup CPU time from `wrangler check startup` (local and rough: the busy
 * samples of the startup profile, idle time left out).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
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

/** Busy CPU milliseconds of the worker's startup, from `wrangler check startup`. */
export function measureStartup(config = "wrangler.toml") {
  const dir = mkdtempSync(join(tmpdir(), "startup-"));
  const profile = join(dir, "startup.cpuprofile");
  try {
    execFileSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "check", "startup", "--config", config, "--outfile", profile], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(profile, "utf8"));
    const idle = new Set(nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
    let busyMicros = 0;
    samples.forEach((id, i) => {
      if (!idle.has(id)) busyMicros += timeDeltas[i] ?? 0;
    });
    return busyMicros / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The static assets served beside the worker (/openapi.json and /docs), which
 * never run in it: reported apart from the bundle, and not part of its budget.
 */
export function measureAssets(dir = join(root, "functions/docs/public")) {
  let raw = 0;
  let gzip = 0;
  let files = 0;
  const walk = (path) => {
    for (const name of readdirSync(path)) {
      const file = join(path, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const bytes = readFileSync(file);
        raw += bytes.byteLength;
        gzip += gzipSync(bytes, { level: 9 }).byteLength;
        files++;
      }
    }
  };
  walk(dir);
  return { files, rawKiB: raw / 1024, gzipKiB: gzip / 1024 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rawKiB, gzipKiB } = measureWorker();
  console.log(`worker bundle: ${rawKiB.toFixed(1)} KiB raw, ${gzipKiB.toFixed(1)} KiB gzip (budget ${BUDGET_GZIP_KIB} KiB gzip)`);
  const assets = measureAssets();
  console.log(`static assets (not in the bundle): ${assets.files} files, ${assets.rawKiB.toFixed(1)} KiB raw, ${assets.gzipKiB.toFixed(1)} KiB gzip`);
  try {
    console.log(`worker startup: ${measureStartup().toFixed(1)} ms CPU (wrangler check startup, local)`);
  } catch (error) {
    console.log(`worker startup: not measured (${error instanceof Error ? error.message.split("\n")[0] : error})`);
  }
  if (gzipKiB > BUDGET_GZIP_KIB) {
    console.error(`over budget by ${(gzipKiB - BUDGET_GZIP_KIB).toFixed(1)} KiB`);
    process.exit(1);
  }
}
