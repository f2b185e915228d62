/**
 * Starts the service as `npm run dev` does (an embedded Postgres, the
 * migrations, the local HTTP SQL endpoint, `wrangler dev` serving the worker and its
 * static assets), but hermetic: Postgres in memory, free ports, throwaway keys
 * in a private env file, wrangler's state in a temporary folder. A developer's
 * .data/ and a running `npm run dev` are left alone.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startEmbeddedPostgres } from "../../db/local/embedded.mjs";
import { writeEnvFile } from "../../db/local/env-file.mjs";
import { applyMigrations } from "../../db/local/migrate.mjs";
import { startSqlHttp } from "../../db/local/sql-http.mjs";
import { eventually } from "../support/eventually.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * @returns {Promise<{ url: string, log: () => string, stop: () => Promise<void> }>}
 * `url` is the worker's origin; `log` what wrangler printed so far.
 */
export async function startService({ readyTimeoutMs = 60_000 } = {}) {
  const stops = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    const embedded = await startEmbeddedPostgres();
    stops.push(() => embedded.stop());
    await applyMigrations(embedded.url);
    const endpoint = await startSqlHttp();
    stops.push(() => endpoint.close());

    const scratch = mkdtempSync(join(tmpdir(), "auth-browser-"));
    stops.push(async () => rmSync(scratch, { recursive: true, force: true }));
    const envFile = join(scratch, "worker.env");
    writeEnvFile(envFile, {
      ENVIRONMENT: "development",
      DATABASE_URL: embedded.url,
      DATABASE_HTTP_ENDPOINT: endpoint.url,
      SECRET_KEY: randomBytes(48).toString("base64"),
      PASSWORD_PEPPER: randomBytes(48).toString("base64"),
      FACTOR_ENCRYPTION_KEY: randomBytes(48).toString("base64"),
      HIBP_API_URL: "off",
    });

    const port = await freePort();
    const args = [
      join(root, "node_modules/wrangler/bin/wrangler.js"), "dev",
      "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
      "--env-file", envFile, "--persist-to", join(scratch, "state"), "--show-interactive-dev-session=false",
    ];
    let output = "";
    const wrangler = spawn(process.execPath, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    wrangler.stdout.on("data", (chunk) => (output += chunk));
    wrangler.stderr.on("data", (chunk) => (output += chunk));
    stops.push(
      () =>
        (async () => {
          if (wrangler.exitCode !== null) return;
          wrangler.kill("SIGTERM");
          // Wait for the exit itself; only a wrangler still there after 5 s is killed.
          await eventually("wrangler dev to exit", async () => wrangler.exitCode !== null || wrangler.signalCode !== null, Boolean, 5_000).catch(() =>
            wrangler.kill("SIGKILL"),
          );
        })(),
    );

    const url = `http://127.0.0.1:${port}`;
    try {
      await eventually(
        "GET /health to answer 200",
        async () => {
          if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler.exitCode}):\n${output}`);
          return (await fetch(`${url}/health`).catch(() => null))?.status ?? "no answer";
        },
        (status) => status === 200,
        readyTimeoutMs,
      );
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : error}\n${output.slice(-4000)}`);
    }
    return { url, log: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
