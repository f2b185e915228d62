#!/usr/bin/env node
/**
 * `npm run dev`: the service on http://127.0.0.1:8787 with nothing installed
 * but Node and npm.
 *
 * - Configuration: .env (copied from .env.example), overridden by the process
 *   environment for every variable .env.example documents.
 * - Without DATABASE_URL, an embedded Postgres (PGlite) keeps its data in .data/pglite.
 * - Migrations from drizzle/ are applied on start.
 * - The worker reaches Postgres through a local endpoint speaking Neon's HTTP SQL
 *   protocol (db/local/sql-http.mjs, pooled like Neon's): the same
 *   @neondatabase/serverless code path as production on Neon.
 * - SIMULATED_DB_RTT_MS=<n> (a simulation knob, off by default) delays each
 *   direction of every database round trip by n/2 ms: a worker far from its database.
 * - Without SECRET_KEY / PASSWORD_PEPPER, development keys are generated once in .data/.
 * - ENVIRONMENT defaults to development: a channel with no provider prints codes here.
 * - One Ctrl-C stops everything.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "./embedded.mjs";
import { documentedVariables, readEnvFile, writeEnvFile } from "./env-file.mjs";
import { applyMigrations } from "./migrate.mjs";
import { startSqlHttp } from "./sql-http.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = `${root}/.data`;
const port = process.env.PORT ?? "8787";

function say(message) {
  console.log(`[dev] ${message}`);
}

/** Development keys, made once and kept in .data/ so tokens and passwords survive restarts. */
function devSecrets() {
  const path = `${dataDir}/dev-secrets.env`;
  const existing = readEnvFile(path);
  const secrets = {
    SECRET_KEY: existing.SECRET_KEY ?? randomBytes(48).toString("base64"),
    PASSWORD_PEPPER: existing.PASSWORD_PEPPER ?? randomBytes(48).toString("base64"),
    FACTOR_ENCRYPTION_KEY: existing.FACTOR_ENCRYPTION_KEY ?? randomBytes(48).toString("base64"),
  };
  writeEnvFile(path, secrets);
  return secrets;
}

function isLoopback(databaseUrl) {
  const host = new URL(databaseUrl).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]";
}

/** SIMULATED_DB_RTT_MS (environment or .env): whole milliseconds, 0 (off) by default. */
function simulatedRtt(config) {
  const raw = config.SIMULATED_DB_RTT_MS?.trim();
  if (!raw) return 0;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > 10_000) throw new Error(`SIMULATED_DB_RTT_MS must be a whole number of ms from 0 to 10000, not "${raw}"`);
  return ms;
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // No internet is assumed: the breached-password check is off unless .env or the environment turns it on.
  const config = { ENVIRONMENT: "development", HIBP_API_URL: "off", ...readEnvFile(`${root}/.env`) };
  // Every variable .env.example documents, and anything .env already names, from the process environment.
  const names = new Set([...documentedVariables(`${root}/.env.example`), ...Object.keys(config)]);
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value !== "") config[name] = value;
  }
  if (!config.SECRET_KEY || !config.PASSWORD_PEPPER || !config.FACTOR_ENCRYPTION_KEY) Object.assign(config, { ...devSecrets(), ...config });

  const stops = [];
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    say("stopping...");
    for (const fn of stops.reverse()) await fn().catch(() => {});
    process.exit(code);
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));

  try {
    const rttMs = simulatedRtt(config);
    // A knob of this runner and the endpoint, not a setting of the worker.
    delete config.SIMULATED_DB_RTT_MS;
    if (!config.DATABASE_URL) {
      const dir = `${dataDir}/pglite`;
      say(`${existsSync(dir) ? "opening" : "creating"} the embedded Postgres in .data/pglite`);
      const embedded = await startEmbeddedPostgres({ dataDir: dir });
      stops.push(() => embedded.stop());
      config.DATABASE_URL = embedded.url;
    } else {
      say(`using DATABASE_URL (${new URL(config.DATABASE_URL).host})`);
    }

    await applyMigrations(config.DATABASE_URL);
    say("migrations applied");

    if (!config.DATABASE_HTTP_ENDPOINT && isLoopback(config.DATABASE_URL)) {
      const endpoint = await startSqlHttp({ simulatedRttMs: rttMs });
      stops.push(() => endpoint.close());
      config.DATABASE_HTTP_ENDPOINT = endpoint.url;
      say(`database over HTTP at ${endpoint.url}${rttMs ? `, simulating ${rttMs} ms per round trip (SIMULATED_DB_RTT_MS)` : ""}`);
    } else if (rttMs) {
      say("SIMULATED_DB_RTT_MS ignored: it applies to the local endpoint, and DATABASE_HTTP_ENDPOINT is set or the database is not local");
    }
  } catch (error) {
    console.error(`[dev] could not start: ${error instanceof Error ? error.message : error}`);
    await stop(1);
    return;
  }

  // wrangler reads the merged configuration from a private file, not the command line.
  const envFile = `${dataDir}/wrangler-dev.env`;
  writeEnvFile(envFile, config);
  const wrangler = spawn(
    process.execPath,
    [`${root}/node_modules/wrangler/bin/wrangler.js`, "dev", "--ip", "127.0.0.1", "--port", port, "--env-file", envFile, "--show-interactive-dev-session=false"],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  stops.unshift(
    () =>
      new Promise((resolve) => {
        if (wrangler.exitCode !== null) return resolve();
        wrangler.once("exit", resolve);
        wrangler.kill("SIGTERM");
      }),
  );
  wrangler.on("exit", (code) => {
    if (!stopping) {
      say(`wrangler exited (${code})`);
      stop(code ?? 1);
    }
  });
  say(`serving on http://127.0.0.1:${port} (ENVIRONMENT=${config.ENVIRONMENT}); Ctrl-C stops everything`);
}

main();
