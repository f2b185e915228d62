/**
 * Everything the bench runs against, started and stopped here: a Postgres
 * (embedded in a child process, or a scratch database on BENCH_DATABASE_URL),
 * one local Neon-style HTTP SQL endpoint per side (db/local/sql-http.mjs:
 * pooled like Neon's, and statements are attributed per side), the fake
 * SendGrid, both workers built with `wrangler deploy --dry-run`, and one workerd
 * (Miniflare) serving both, each worker on its own loopback port.
 */
import { execFileSync, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import pg from "pg";
import { unstable_readConfig } from "wrangler";
import { freePort } from "../../db/local/embedded.mjs";
import { applyMigrations, createScratchDatabase } from "../../db/local/migrate.mjs";
import { startSqlHttp } from "../../db/local/sql-http.mjs";
import { startFakeProviders } from "../../test/support/fake-providers.mjs";
import { measureWorker } from "../size.mjs";
import { findChild, parentPid } from "./measure.mjs";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Stops things in reverse order of starting, each at most once, errors reported and skipped. */
export class Cleanup {
  #steps = [];
  #running;
  /** Registers a stop step; the function returned runs it now, and then never again. */
  add(name, fn) {
    const step = { name, fn, done: false };
    this.#steps.push(step);
    return async () => {
      if (step.done) return;
      step.done = true;
      await fn();
    };
  }
  run() {
    this.#running ??= (async () => {
      const done = [];
      for (const { name, fn } of this.#steps.reverse().filter((s) => !s.done)) {
        const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), 15_000).unref());
        const outcome = await Promise.race([Promise.resolve().then(fn).then(() => "ok", (e) => e), timeout]);
        if (outcome !== "ok") console.error(`[bench] teardown of ${name}: ${outcome instanceof Error ? outcome.message : outcome}`);
        else done.push(name);
      }
      if (done.length) console.log(`[bench] stopped: ${done.join(", ")}`);
    })();
    return this.#running;
  }
}

function isLoopback(url) {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]";
}

/** Starts the embedded Postgres in a child process; resolves with its URL and pid. */
async function startEmbeddedChild(cleanup) {
  const child = fork(fileURLToPath(new URL("./embedded-server.mjs", import.meta.url)), [], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  cleanup.add("embedded Postgres", async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (child.connected) child.send("stop");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("embedded Postgres did not start in 60 s")), 60_000);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve(m.url);
    });
    child.once("exit", (code) => reject(new Error(`embedded Postgres exited (${code})`)));
  });
  return { url, pid: child.pid };
}

/**
 * The database both sides share: the service's migrations in `public`, the
 * peer's tables in `better_auth`.
 * @returns {Promise<{ url: string, pid?: number, kind: string, version: string }>}
 */
export async function startDatabase(cleanup, serverUrl) {
  let database;
  if (serverUrl) {
    if (!isLoopback(serverUrl)) throw new Error("BENCH_DATABASE_URL must point at 127.0.0.1: the bench sends no traffic elsewhere");
    const name = `bench_${new Date().toISOString().slice(0, 10).replace(/-/g, "")}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const scratch = await createScratchDatabase(serverUrl, name);
    cleanup.add(`scratch database ${name}`, () => scratch.drop());
    database = { url: scratch.url, kind: "server" };
  } else {
    database = { ...(await startEmbeddedChild(cleanup)), kind: "embedded" };
  }
  await applyMigrations(database.url);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(readFileSync(join(root, "bench/peer/schema.sql"), "utf8"));
    database.version = (await client.query("select version() as v")).rows[0].v;
    if (database.kind === "server") {
      // The postmaster: parent of this connection's backend (the server is on this machine).
      const backend = (await client.query("select pg_backend_pid() as pid")).rows[0].pid;
      database.pid = parentPid(backend);
    }
  } finally {
    await client.end();
  }
  return database;
}

/**
 * One endpoint per side, each delaying every round trip by `rttMs` (half each
 * way); `capture` turns on recording of SQL text for the profile pass. Each
 * pools at most `poolSize` Postgres sessions, as Neon's pooler keeps warm ones:
 * neither side pays a backend per request.
 */
export async function startEndpoints(cleanup, { rttMs = 0, poolSize = 10, label = "" } = {}) {
  const endpoints = {};
  for (const side of ["ours", "peer"]) {
    const capture = { on: false, sql: [] };
    const endpoint = await startSqlHttp({
      simulatedRttMs: rttMs,
      poolSize,
      onStatement: (sql) => {
        if (capture.on) capture.sql.push(sql);
      },
    });
    const stop = cleanup.add(`${side} SQL endpoint${label ? ` (${label})` : ""}`, () => endpoint.close());
    endpoints[side] = Object.assign(endpoint, { capture, stop, poolSize });
  }
  return endpoints;
}

export async function startFake(cleanup) {
  const fake = await startFakeProviders();
  cleanup.add("fake providers", () => fake.close());
  return fake;
}

/**
 * Builds a worker as `wrangler deploy --dry-run` does; returns its size, the
 * module to run, and what workerd needs from its wrangler config (dates, flags, vars).
 */
export function buildWorker(config, outdir) {
  const size = measureWorker(config, outdir);
  const dir = join(root, outdir);
  const main = readdirSync(dir).find((f) => /\.m?js$/.test(f));
  if (!main) throw new Error(`no bundle in ${outdir}`);
  const { compatibility_date, compatibility_flags, vars } = unstable_readConfig({ config: join(root, config) });
  return {
    ...size,
    config,
    dir,
    main: join(dir, main),
    compatibilityDate: compatibility_date,
    compatibilityFlags: compatibility_flags ?? [],
    vars: { ...vars },
  };
}

/**
 * The same build without minification, for profiling: esbuild then marks where
 * each source file starts, so samples can be attributed to packages.
 */
export function buildUnminified(built, outdir) {
  const dir = join(root, outdir);
  execFileSync(
    process.execPath,
    [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--no-minify", "--outdir", dir, "--config", built.config],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  const main = readdirSync(dir).find((f) => /\.m?js$/.test(f));
  if (!main) throw new Error(`no bundle in ${outdir}`);
  return { ...built, dir, main: join(dir, main) };
}

/**
 * Starts one workerd serving both workers, each on its own 127.0.0.1 port
 * (Miniflare's direct sockets: no proxy worker in front of either side).
 * `workersFor(origins)` gives each side's bundle and bindings (a worker's
 * bindings may name its own origin). A port is picked free and bound by workerd
 * a moment later; in between another process can take it (an outbound
 * connection's ephemeral port), so a start that finds a port in use is retried
 * on new ports, a few times.
 * @param {(origins: { ours: string, peer: string }) => { ours: { bundle, bindings }, peer: { bundle, bindings } }} workersFor
 */
export async function startWorkers(cleanup, workersFor, { inspector = false } = {}) {
  for (let attempt = 1; ; attempt++) {
    const ports = { ours: await freePort(), peer: await freePort() };
    const origins = { ours: `http://127.0.0.1:${ports.ours}`, peer: `http://127.0.0.1:${ports.peer}` };
    try {
      return { ...(await startWorkersOn(cleanup, workersFor(origins), { ports, inspector })), origins };
    } catch (error) {
      if (error?.code !== "ERR_ADDRESS_IN_USE" || attempt === 5) throw error;
      console.log(`[bench] a port was taken before workerd bound it; trying other ports (attempt ${attempt + 1} of 5)`);
    }
  }
}

async function startWorkersOn(cleanup, workers, { ports, inspector }) {
  const logs = [];
  const started = performance.now();
  const options = {
    ...(inspector ? { inspectorPort: await freePort() } : {}),
    logRequests: false,
    // Never fetch Request.cf from workers.cloudflare.com: use Miniflare's built-in placeholder.
    cf: false,
    handleStructuredLogs: (log) => {
      // The service logs a line per request; keep only the last few, for error reports.
      logs.push(log.message ?? String(log));
      if (logs.length > 200) logs.splice(0, 100);
    },
    workers: Object.entries(workers).map(([name, { bundle, bindings }]) => ({
      name,
      modules: true,
      scriptPath: bundle.main,
      modulesRoot: bundle.dir,
      compatibilityDate: bundle.compatibilityDate,
      compatibilityFlags: bundle.compatibilityFlags,
      bindings: { ...bundle.vars, ...bindings },
      unsafeDirectSockets: [{ host: "127.0.0.1", port: ports[name] }],
    })),
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
  const ownListeners = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mf = new Miniflare(convertV4MiniflareOptions(options));
  const dispose = cleanup.add("workerd", () => mf.dispose());
  try {
    await mf.ready;
  } catch (error) {
    await dispose().catch(() => {});
    throw error;
  }
  // Miniflare's exit hook calls process.exit() on these signals, before our
  // teardown could drop the scratch database. Its "exit" hook (which kills
  // workerd) stays as a safety net.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!ownListeners.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  const readyMs = performance.now() - started;
  const urls = {};
  for (const name of Object.keys(workers)) urls[name] = (await mf.unsafeGetDirectURL(name)).origin;
  const pid = findChild(process.pid, "workerd");
  if (!pid) throw new Error("could not find the workerd process");
  const inspectorUrl = inspector ? (await mf.getInspectorURL()).href : undefined;
  return { urls, pid, readyMs, logs, inspectorUrl, dispose };
}

export { freePort };
