#!/usr/bin/env node
/**
 * `npm run bench`: this service side by side with Better Auth 1.7.25 (two-factor
 * plugin, e-mail OTP, Drizzle adapter, on Hono) in the same workerd, against the
 * same Postgres, doing the same flow. Everything is started here, on 127.0.0.1
 * only, and torn down at the end, on error and on Ctrl-C.
 *
 *   npm run bench                 full run (about 7 minutes on 2 cores)
 *   npm run bench -- --quick      smoke run for CI (about 1 minute)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench
 *                                 a scratch database on that server instead of the embedded one
 *   npm run bench -- --pairs 3 --seconds 5
 *                                 fewer or shorter measured rounds
 *   SIMULATED_DB_RTT_MS=40 npm run bench
 *                                 the throughput rounds with every database round trip
 *                                 delayed by 40 ms (a simulation knob, off by default;
 *                                 the round-trip table always measures 0 and 40 ms)
 *
 * Both sides reach Postgres the same way, the best their stack supports on
 * Workers: Neon's HTTP path (`neon()` + drizzle-orm/neon-http), here through one
 * local endpoint per side (db/local/sql-http.mjs) that pools its Postgres
 * sessions like Neon's pooler. Besides the throughput rounds, the bench times
 * each request type at a simulated database RTT of 0 and 40 ms (round trips per
 * request), and puts the service's login and /health under 150 clients at once.
 *
 * Two hash modes: each side's production hashing, then an equal cheap cost
 * (PBKDF2-SHA256 at 1,000 iterations on both), so framework and database
 * overhead shows. Rounds alternate sides (A, B, A, B) after a discarded warm-up
 * pair; figures are medians over rounds and ratios are taken per round pair.
 * Results go to bench/results/<date>.json; see bench/BENCHMARKS.md.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PASSWORD, sides } from "./lib/flows.mjs";
import { connection } from "./lib/http.mjs";
import { latencyPhase, loadAccounts, loadCase } from "./lib/latency.mjs";
import { databaseCpuMs, median, percentile, registerAll, runRound } from "./lib/measure.mjs";
import { bundleComposition, profileWorker, summarizeProfile } from "./lib/profile.mjs";
import { renderTables, targets } from "./lib/report.mjs";
import { Cleanup, buildUnminified, buildWorker, root, startDatabase, startEndpoints, startFake, startWorkers } from "./lib/stack.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    pairs: { type: "string" },
    seconds: { type: "string" },
  },
});

const PLAN = args.quick
  ? { concurrency: [1, 16], accounts: { production: 96, cheap: 192 }, warmupPairs: 1, warmupSeconds: 1, pairs: 1, seconds: 2, maxFlowsPerRound: 2_000, startupRuns: 1, profileFlows: 0,
      rttSamples: 2, rttWarmup: 1, load: { concurrency: 150, seconds: 2, accounts: 120 }, limitMs: 4 * 60_000 }
  : { concurrency: [1, 16], accounts: { production: 128, cheap: 256 }, warmupPairs: 1, warmupSeconds: 3, pairs: 8, seconds: 5, maxFlowsPerRound: 20_000, startupRuns: 3, profileFlows: 40,
      rttSamples: 12, rttWarmup: 2, load: { concurrency: 150, seconds: 15, accounts: 1_200 }, limitMs: 25 * 60_000 };
if (args.pairs) PLAN.pairs = Math.max(1, Math.min(20, Number(args.pairs) || PLAN.pairs));
if (args.seconds) PLAN.seconds = Math.max(1, Math.min(60, Number(args.seconds) || PLAN.seconds));

const MODES = {
  production: {
    label: "production hashing (ours PBKDF2 100k; peer scrypt N=16384 r=16)",
    ours: {},
    peer: { PASSWORD_HASH: "production" },
  },
  cheap: {
    label: "equal cheap hashing (PBKDF2-SHA256 1k on both)",
    ours: { PASSWORD_ITERATIONS: "1000" },
    peer: { PASSWORD_HASH: "pbkdf2-1000" },
  },
};

/**
 * The service's limits, raised out of the way (the peer's limiter is off). The
 * counters are still kept in Postgres, so their cost stays in the figures.
 * OTP_RESEND_SECONDS=0 leaves a one-code-per-second cooldown per account, which
 * the account rotation in runRound respects.
 */
const NO_LIMIT = "999999999/1";
const LIMITS_OFF = {
  RATE_LIMIT_LOGIN_ACCOUNT: NO_LIMIT,
  RATE_LIMIT_LOGIN_IP: NO_LIMIT,
  RATE_LIMIT_VERIFY_IP: NO_LIMIT,
  RATE_LIMIT_CODES_ACCOUNT: NO_LIMIT,
  RATE_LIMIT_SMS_NUMBER: NO_LIMIT,
  RATE_LIMIT_REGISTER_IP: NO_LIMIT,
  RATE_LIMIT_SMS_IP: NO_LIMIT,
  OTP_RESEND_SECONDS: "0",
};
/** Limit-like variables the flow never reaches (no wrong code, no deep health check, no password reset). */
const LIMITS_IRRELEVANT = new Set(["LOCKOUT_THRESHOLD", "OTP_MAX_ATTEMPTS", "OTP_MAX_SENDS", "RATE_LIMIT_HEALTH_DEEP", "RATE_LIMIT_RESET_ACCOUNT", "RATE_LIMIT_RESET_IP"]);

// Traffic stays on 127.0.0.1: no wrangler banner (its npm update check), no metrics.
process.env.WRANGLER_HIDE_BANNER = "true";
process.env.WRANGLER_SEND_METRICS = "false";

/** SIMULATED_DB_RTT_MS: the throughput rounds' database delay, 0 (off) by default. */
function simulatedRtt() {
  const raw = process.env.SIMULATED_DB_RTT_MS?.trim();
  if (!raw) return 0;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > 1_000) throw new Error(`SIMULATED_DB_RTT_MS must be a whole number of ms from 0 to 1000, not "${raw}"`);
  return ms;
}
const SIMULATED_RTT_MS = simulatedRtt();

const runStarted = Date.now();
const say = (message) => console.log(`[bench ${((Date.now() - runStarted) / 1000).toFixed(0).padStart(3)}s] ${message}`);
const cleanup = new Cleanup();
let stopping = false;

function stopOn(signal, code) {
  process.on(signal, () => {
    stopping = true;
    say(`${signal}: stopping everything...`);
    cleanup.run().finally(() => process.exit(code));
  });
}
stopOn("SIGINT", 130);
stopOn("SIGTERM", 143);
stopOn("SIGHUP", 129);
setTimeout(() => {
  stopping = true;
  console.error(`[bench] over the ${PLAN.limitMs / 60_000}-minute limit: stopping`);
  cleanup.run().finally(() => process.exit(124));
}, PLAN.limitMs).unref();

/** The commit measured, and whether the service's files (or the peer's) had uncommitted changes. */
function sourceState() {
  try {
    const git = (...a) => execFileSync("git", a, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const changed = (...paths) => git("status", "--porcelain", "--", ...paths) !== "";
    return {
      commit: git("rev-parse", "HEAD"),
      serviceDirty: changed("functions", "db", "wrangler.toml", "package.json", "package-lock.json"),
      peerDirty: changed("bench/peer"),
    };
  } catch {
    return undefined;
  }
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

/** Warns about limit-like variables in .env.example that the bench does not know how to lift. */
function checkLimitVariables() {
  const path = join(root, ".env.example");
  if (!existsSync(path)) return;
  const names = [...readFileSync(path, "utf8").matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=/gm)].map((m) => m[1]);
  for (const name of names) {
    if (/RATE|THROTTLE|LOCKOUT|(^|_)LIMIT/.test(name) && !(name in LIMITS_OFF) && !LIMITS_IRRELEVANT.has(name)) {
      say(`warning: .env.example has ${name}, which the bench does not set; if it limits logins, add it to LIMITS_OFF in bench/run.mjs`);
    }
  }
}

/** `wrangler check startup`: local CPU of loading the worker (the "Active" time), median of `runs`. */
function checkStartup(config, runs) {
  const samples = [];
  const outfile = join(root, ".wrangler/bench", `startup-${config.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`);
  for (let i = 0; i < runs; i++) {
    const output = execFileSync(
      process.execPath,
      [join(root, "node_modules/wrangler/bin/wrangler.js"), "check", "startup", `--args=--config ${config}`, "--outfile", outfile],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    const active = output.match(/Active:\s*([\d.]+)\s*ms/);
    if (!active) throw new Error(`could not read the startup time of ${config}:\n${output.slice(-500)}`);
    samples.push(Number(active[1]));
  }
  return { activeMs: median(samples), samples };
}

/** A few flows at concurrency 1 (one account each) with statements counted per step, and the SQL of the last one. */
async function profileFlows(side, emails, origin, endpoint, messages, flows = 3) {
  const byStep = Object.fromEntries(side.steps.map((s) => [s, 0]));
  const conn = connection(origin);
  let mark = 0;
  const probe = {
    start: () => (mark = endpoint.stats().statements),
    end: (step) => (byStep[step] += endpoint.stats().statements - mark),
  };
  try {
    for (let i = 0; i < flows; i++) {
      if (i === flows - 1) {
        endpoint.capture.sql.length = 0;
        endpoint.capture.on = true;
      }
      await side.flow(conn, emails[i], messages, origin, probe);
    }
  } finally {
    endpoint.capture.on = false;
    conn.close();
  }
  const sql = endpoint.capture.sql.map((q) => q.replace(/\s+/g, " ").slice(0, 200));
  const byVerb = {};
  for (const q of sql) {
    const verb = q.match(/^\s*(\w+)/)?.[1]?.toLowerCase() ?? "?";
    byVerb[verb] = (byVerb[verb] ?? 0) + 1;
  }
  return { statementsByStep: Object.fromEntries(Object.entries(byStep).map(([k, v]) => [k, v / flows])), byVerb, sql };
}

/**
 * Where each side's CPU goes: both workers rebuilt unminified, run under the
 * inspector in a workerd of their own with the equal cheap hash, `flows` flows
 * each at concurrency 1 while the V8 profiler samples. Not a throughput figure:
 * the profiler slows both sides.
 */
async function profilePhase({ bundles, database, endpoints, fake, secret, pepper, runId, flows }) {
  const unminified = {
    ours: buildUnminified(bundles.ours, ".wrangler/bench/ours-unminified"),
    peer: buildUnminified(bundles.peer, ".wrangler/bench/peer-unminified"),
  };
  const workers = await startWorkers(
    cleanup,
    (origins) => {
      const bindings = workerBindings({ mode: MODES.cheap, database, endpoints, fake, secret, pepper, origins });
      return { ours: { bundle: unminified.ours, bindings: bindings.ours }, peer: { bundle: unminified.peer, bindings: bindings.peer } };
    },
    { inspector: true },
  );
  const { origins } = workers;
  const out = { composition: { ours: bundleComposition(unminified.ours.main), peer: bundleComposition(unminified.peer.main) } };
  try {
    for (const key of ["ours", "peer"]) {
      const side = sides[key];
      // One account per flow: the service's one-code-per-second cooldown never comes into play.
      const emails = Array.from({ length: flows + 5 }, (_, i) => `${key}.profile.${i}.${runId}@bench.test`);
      await registerAll(side, emails, origins[key], endpoints[key]);
      const conn = connection(origins[key]);
      try {
        for (let i = 0; i < 5; i++) await side.flow(conn, emails[flows + i], fake.messages, origins[key]);
        const profile = await profileWorker(workers.inspectorUrl, key, async () => {
          for (let i = 0; i < flows && !stopping; i++) await side.flow(conn, emails[i], fake.messages, origins[key]);
        });
        writeFileSync(join(root, `.wrangler/bench/profile-${key}.cpuprofile`), JSON.stringify(profile));
        out[key] = summarizeProfile(profile, unminified[key].main, flows);
      } finally {
        conn.close();
      }
    }
  } finally {
    await workers.dispose();
  }
  return out;
}

/**
 * Each side's bindings for a hash mode. The service gets no DELIVERY_QUEUE, so
 * it sends each code within the login request, as the peer does (with the
 * queue the code would wait for the queue's batch timeout; see BENCHMARKS.md).
 */
function workerBindings({ mode, database, endpoints, fake, secret, pepper, origins }) {
  const common = { DATABASE_URL: database.url, SENDGRID_API_KEY: "SG.bench", SENDGRID_API_URL: `${fake.url}/sendgrid`, EMAIL_FROM: "bench@innovation.ia" };
  return {
    ours: { ...common, ...LIMITS_OFF, DATABASE_HTTP_ENDPOINT: endpoints.ours.url, SECRET_KEY: secret, PASSWORD_PEPPER: pepper, ENVIRONMENT: "production", ...mode.ours },
    peer: { ...common, DATABASE_HTTP_ENDPOINT: endpoints.peer.url, BETTER_AUTH_SECRET: secret, BETTER_AUTH_URL: origins.peer, ...mode.peer },
  };
}

function summarize(rounds, side) {
  const pool = (pick) => rounds.flatMap(pick);
  const steps = {};
  for (const name of side.steps) {
    const all = pool((r) => r.steps[name]);
    steps[name] = { p50: percentile(all, 50), p99: percentile(all, 99), n: all.length };
  }
  const flowMs = pool((r) => r.flowMs);
  const m = (key) => median(rounds.map((r) => r[key]));
  const stepCpuMs = rounds[0]?.stepCpuMs
    ? Object.fromEntries(side.steps.map((s) => [s, median(rounds.map((r) => r.stepCpuMs[s]))]))
    : undefined;
  return {
    flowsPerSec: m("flowsPerSec"),
    flow: { p50: percentile(flowMs, 50), p99: percentile(flowMs, 99), n: flowMs.length },
    steps,
    statementsPerFlow: m("statementsPerFlow"),
    transactionsPerFlow: m("transactionsPerFlow"),
    connectionsPerFlow: m("connectionsPerFlow"),
    workerdCpuMsPerFlow: m("workerdCpuMsPerFlow"),
    databaseCpuMsPerFlow: m("databaseCpuMsPerFlow"),
    harnessCpuMsPerFlow: m("harnessCpuMsPerFlow"),
    stepCpuMs,
    errors: rounds.reduce((n, r) => n + r.errors.length, 0),
    reuseWaits: rounds.reduce((n, r) => n + r.reuseWaits, 0),
    rounds: rounds.map(({ steps: _s, flowMs: _f, errors, ...rest }) => ({ ...rest, errors: errors.slice(0, 3) })),
  };
}

async function main() {
  const runId = randomBytes(3).toString("hex");
  say(`${args.quick ? "quick" : "full"} run ${runId}: ${PLAN.pairs} measured pair(s) of ${PLAN.seconds} s per mode and concurrency`);
  checkLimitVariables();
  mkdirSync(join(root, ".wrangler/bench"), { recursive: true });

  say("building both workers (wrangler deploy --dry-run)");
  const bundles = {
    ours: buildWorker("wrangler.toml", ".wrangler/bench/ours"),
    peer: buildWorker("bench/peer/wrangler.toml", ".wrangler/bench/peer"),
  };
  say(`bundles: ours ${bundles.ours.gzipKiB.toFixed(1)} KiB gzip, peer ${bundles.peer.gzipKiB.toFixed(1)} KiB gzip`);

  say(`startup CPU (wrangler check startup x${PLAN.startupRuns} each)`);
  const startup = { ours: checkStartup("wrangler.toml", PLAN.startupRuns), peer: checkStartup("bench/peer/wrangler.toml", PLAN.startupRuns) };

  const serverUrl = process.env.BENCH_DATABASE_URL;
  say(serverUrl ? `scratch database on ${new URL(serverUrl).host}` : "starting the embedded Postgres (PGlite) in a child process");
  const database = await startDatabase(cleanup, serverUrl);
  const endpoints = await startEndpoints(cleanup, { rttMs: SIMULATED_RTT_MS });
  if (SIMULATED_RTT_MS) say(`throughput rounds with a simulated database RTT of ${SIMULATED_RTT_MS} ms (SIMULATED_DB_RTT_MS)`);
  const fake = await startFake(cleanup);
  const secret = randomBytes(48).toString("base64");
  const pepper = randomBytes(48).toString("base64");
  const results = {
    date: new Date().toISOString(),
    quick: args.quick,
    command: `${serverUrl ? "BENCH_DATABASE_URL=... " : ""}npm run bench${args.quick ? " -- --quick" : ""}`,
    plan: PLAN,
    source: sourceState(),
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    versions: {
      node: process.version,
      wrangler: packageVersion("wrangler"),
      workerd: packageVersion("workerd"),
      miniflare: packageVersion("miniflare"),
      "better-auth": packageVersion("better-auth"),
      hono: packageVersion("hono"),
      "drizzle-orm": packageVersion("drizzle-orm"),
      "@neondatabase/serverless": packageVersion("@neondatabase/serverless"),
      "@electric-sql/pglite": database.kind === "embedded" ? packageVersion("@electric-sql/pglite") : undefined,
    },
    database: { kind: database.kind, version: database.version, path: "Neon HTTP (neon() + drizzle-orm/neon-http) on both sides, one pooled local endpoint per side", simulatedRttMs: SIMULATED_RTT_MS },
    bundle: {
      ours: { rawKiB: bundles.ours.rawKiB, gzipKiB: bundles.ours.gzipKiB },
      peer: { rawKiB: bundles.peer.rawKiB, gzipKiB: bundles.peer.gzipKiB },
    },
    startup,
    modes: {},
  };

  let failures = 0;
  for (const [mode, settings] of Object.entries(MODES)) {
    say(`${mode}: starting workerd with both workers`);
    const workers = await startWorkers(cleanup, (origins) => {
      const bindings = workerBindings({ mode: settings, database, endpoints, fake, secret, pepper, origins });
      return { ours: { bundle: bundles.ours, bindings: bindings.ours }, peer: { bundle: bundles.peer, bindings: bindings.peer } };
    });
    const { origins } = workers;
    const data = { label: settings.label, workerdReadyMs: workers.readyMs, register: {}, profile: {}, concurrency: {} };
    results.modes[mode] = data;

    const emails = {};
    const lastUsed = { ours: new Map(), peer: new Map() };
    for (const key of ["ours", "peer"]) {
      // Enough accounts that none is reused within the cooldown (fewer where flows are slow and hashing dear).
      emails[key] = Array.from({ length: PLAN.accounts[mode] }, (_, i) => `${key}.${mode}.${i}.${runId}@bench.test`);
      data.register[key] = await registerAll(sides[key], emails[key], origins[key], endpoints[key]);
      data.profile[key] = await profileFlows(sides[key], emails[key].slice(-3), origins[key], endpoints[key], fake.messages);
      for (const email of emails[key].slice(-3)) lastUsed[key].set(email, performance.now());
    }
    say(`${mode}: ${PLAN.accounts[mode]} accounts per side registered; statements per flow ${Object.values(data.profile.ours.statementsByStep).reduce((a, b) => a + b, 0)} vs ${Object.values(data.profile.peer.statementsByStep).reduce((a, b) => a + b, 0)}`);

    for (const concurrency of PLAN.concurrency) {
      const rounds = { ours: [], peer: [] };
      const total = PLAN.warmupPairs + PLAN.pairs;
      for (let pair = 0; pair < total; pair++) {
        const warmup = pair < PLAN.warmupPairs;
        for (const key of ["ours", "peer"]) {
          const round = await runRound({
            side: { ...sides[key], key },
            origin: origins[key],
            emails: emails[key],
            concurrency,
            seconds: warmup ? PLAN.warmupSeconds : PLAN.seconds,
            maxFlows: PLAN.maxFlowsPerRound,
            messages: fake.messages,
            endpoint: endpoints[key],
            workerdPid: workers.pid,
            databaseCpu: () => databaseCpuMs(database, [endpoints[key]]),
            lastUsed: lastUsed[key],
            perStep: concurrency === 1,
            shouldStop: () => stopping,
          });
          if (stopping) return;
          if (round.reuseWaits) say(`${mode} c=${concurrency} ${key}: waited ${round.reuseWaits} time(s) for an account's cooldown; raise PLAN.accounts.${mode}`);
          if (round.errors.length) {
            failures += round.errors.length;
            say(`${mode} c=${concurrency} ${key}: ${round.errors.length} failed flow(s), first: ${round.errors[0]}`);
            for (const line of workers.logs.filter((l) => !l.includes('"level":"info"')).slice(-5)) say(`  workerd: ${line.slice(0, 300)}`);
          }
          say(
            `${mode} c=${concurrency} ${warmup ? "warm-up" : `pair ${pair - PLAN.warmupPairs + 1}/${PLAN.pairs}`} ${key}: ` +
              `${round.flowsPerSec.toFixed(1)} flows/s, ${round.workerdCpuMsPerFlow?.toFixed(1)} ms CPU/flow, ${round.statementsPerFlow?.toFixed(1)} stmt/flow`,
          );
          if (!warmup) rounds[key].push(round);
        }
      }
      const ratios = rounds.ours.map((r, i) => r.flowsPerSec / rounds.peer[i].flowsPerSec);
      data.concurrency[concurrency] = {
        ours: summarize(rounds.ours, sides.ours),
        peer: summarize(rounds.peer, sides.peer),
        ratios,
        ratio: median(ratios),
      };
    }
    if (mode === "cheap" && !stopping) {
      const { concurrency, seconds, accounts } = PLAN.load;
      say(`load case: ${accounts} more accounts, then ${concurrency} clients at once for ${seconds} s on the service's login and /health`);
      const loadEmails = await loadAccounts({ origin: origins.ours, endpoint: endpoints.ours, runId, count: accounts });
      results.load = await loadCase({ origin: origins.ours, emails: loadEmails, password: PASSWORD, concurrency, seconds, endpoint: endpoints.ours, shouldStop: () => stopping });
      const { login, health } = results.load.routes;
      say(`load case: login ${login.requests} (${JSON.stringify(login.statuses)}), health ${health.requests} (${JSON.stringify(health.statuses)})`);
      if (login.fiveXX || health.fiveXX || login.clientErrors || health.clientErrors) failures++;
    }
    await workers.dispose();
  }

  if (!stopping) {
    say(`round trips: each request type, one at a time, at a simulated database RTT of 0 and 40 ms (${PLAN.rttSamples} samples each)`);
    results.roundTrips = await latencyPhase({
      cleanup,
      bundles,
      fake,
      runId,
      samples: PLAN.rttSamples,
      warmup: PLAN.rttWarmup,
      say,
      shouldStop: () => stopping,
      bindingsFor: (rttEndpoints, origins) => workerBindings({ mode: MODES.cheap, database, endpoints: rttEndpoints, fake, secret, pepper, origins }),
    });
  }

  if (PLAN.profileFlows && !stopping) {
    say(`profiling both workers under the inspector (${PLAN.profileFlows} flows each, cheap hashing)`);
    try {
      results.profile = await profilePhase({ bundles, database, endpoints, fake, secret, pepper, runId, flows: PLAN.profileFlows });
    } catch (error) {
      // The measured figures stand without the profile: keep them, report the failure.
      failures++;
      results.profile = { error: error instanceof Error ? error.message : String(error) };
      say(`profile failed: ${results.profile.error}`);
    }
  }
  if (stopping) return;

  results.durationSeconds = Math.round((Date.now() - runStarted) / 1000);
  results.machine.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  results.targets = targets(results);
  const dir = join(root, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.date.slice(0, 10)}${args.quick ? ".quick" : ""}${serverUrl ? ".server" : ""}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");

  console.log("");
  console.log(`Innovation.ia Auth (ours) vs ${sides.peer.label} (peer): ${results.machine.cores} x ${results.machine.cpu}, ${database.kind === "embedded" ? "embedded PGlite" : database.version?.split(" on ")[0]}`);
  console.log("");
  console.log(renderTables(results));
  console.log("");
  say(`results: ${file.slice(root.length)} (${results.durationSeconds} s)`);
  if (failures) throw new Error(`${failures} flow(s) failed`);
}

main()
  .then(() => cleanup.run())
  .then(() => process.exit(0))
  .catch(async (error) => {
    console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    await cleanup.run();
    process.exit(1);
  });
