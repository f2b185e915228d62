#!/usr/bin/env node
/**
 * `npm run dev`: the service on http://127.0.0.1:8787 with nothing installed
 * but Node and npm.
 *
 * - Configuration: .env (copied from .env.example), overridden by the process environment.
 * - Without DATABASE_URL, an embedded Postgres (PGlite) keeps its data in .data/pglite.
 * - Migrations from drizzle/ are applied on start.
 * - The worker reaches Postgres through a local WebSocket-to-TCP bridge: the same
 *   @neondatabase/serverless code path as production on Neon.
 * - Without SECRET_KEY / PASSWORD_PEPPER, development keys are generated once in .data/.
 * - ENVIRONMENT defaults to development: a channel with no provider prints codes here.
 * - One Ctrl-C stops everything.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startBridge } from "./bridge.mjs";
import { startEmbeddedPostgres } from "./embedded.mjs";
import { readEnvFile, writeEnvFile } from "./env-file.mjs";
import { applyMigrations } from "./migrate.mjs";

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

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // No internet is assumed: the breached-password check is off unless .env or the environment turns it on.
  const config = { ENVIRONMENT: "development", HIBP_API_URL: "off", ...readEnvFile(`${root}/.env`) };
  for (const [key, value] of Object.entries(process.env)) {
    if (value && (key in config || /^(DATABASE_|SECRET_KEY|PASSWORD_PEPPER|TWILIO_|SENDGRID_|EMAIL_FROM|HEALTH_|JWT_|OTP_|ACCESS_TOKEN_|ENVIRONMENT)/.test(key))) {
      config[key] = value;
    }
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

    if (!config.DATABASE_WS_PROXY && isLoopback(config.DATABASE_URL)) {
      const bridge = await startBridge();
      stops.push(() => bridge.close());
      config.DATABASE_WS_PROXY = bridge.wsProxy;
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
