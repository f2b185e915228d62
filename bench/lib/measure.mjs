/**
 * Measuring: process CPU from /proc, percentiles, and one round of load (one
 * side, one concurrency, bounded in time and in flows).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connection } from "./http.mjs";

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name is in parentheses and may hold spaces; fields resume after the last ')'.
  const close = text.lastIndexOf(")");
  return { comm: text.slice(text.indexOf("(") + 1, close), rest: text.slice(close + 2).split(" ") };
}

/**
 * User + system CPU of a process so far, in ms (undefined if it is gone or
 * unknown). With `children`, also that of its children that have exited: how a
 * Postgres server's per-connection backends are counted, once the postmaster reaps them.
 */
export function processCpuMs(pid, { children = false } = {}) {
  if (!pid) return undefined;
  try {
    const { rest } = statFields(pid);
    // rest[0] is field 3 (state): utime, stime, cutime, cstime are fields 14 to 17.
    const ticks = Number(rest[11]) + Number(rest[12]) + (children ? Number(rest[13]) + Number(rest[14]) : 0);
    return (ticks * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

/** The parent pid of a process (undefined if it is gone). */
export function parentPid(pid) {
  try {
    return Number(statFields(pid).rest[1]);
  } catch {
    return undefined;
  }
}

/** This Node process's own CPU so far, in ms. */
export function selfCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The pid of the newest live (not zombie) direct child of `parent` whose command name is `comm`. */
export function findChild(parent, comm) {
  let best;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const { comm: c, rest } = statFields(name);
      // rest[0] is the state, rest[1] the parent pid, rest[19] the start time.
      if (c !== comm || Number(rest[1]) !== parent || rest[0] === "Z") continue;
      const startTime = Number(rest[19]);
      if (!best || startTime > best.startTime) best = { pid: Number(name), startTime };
    } catch {
      // the process ended while we looked
    }
  }
  return best?.pid;
}

export function percentile(values, p) {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => {
  const v = values.filter((x) => x !== undefined && Number.isFinite(x));
  if (!v.length) return undefined;
  const sorted = [...v].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the side's endpoint has answered every request in flight. */
async function settle(endpoint, maxMs = 2_000) {
  const deadline = Date.now() + maxMs;
  while (endpoint.stats().open > 0 && Date.now() < deadline) await sleep(10);
}

/**
 * CPU of the Postgres that serves the bench, in ms so far: the embedded one's
 * process, or on a local server the backends of the endpoints' pooled sessions
 * (alive through a round, so read directly; a session that ends during a round
 * takes its CPU with it). Other clients' backends on a shared server are not
 * counted, nor is the postmaster's.
 */
export function databaseCpuMs(database, endpoints) {
  if (database.kind === "embedded") return processCpuMs(database.pid);
  let total = 0;
  for (const endpoint of endpoints) for (const pid of endpoint.backends()) total += processCpuMs(pid) ?? 0;
  return total;
}

/**
 * One round: `concurrency` virtual users, each on its own connection with its
 * own accounts, run flows back to back until `seconds` pass or `maxFlows` have
 * started. Only this side runs, so the workerd CPU delta is all its own.
 *
 * The accounts are split between the connections (no account is shared) and
 * each connection cycles through its own. No account starts a flow within
 * `minReuseMs` of the end of its previous one: the service sends at most one
 * code per account per second (its resend cooldown), and a limit must not be
 * what is measured. `lastUsed` carries that across rounds; waits are counted,
 * and with enough accounts there are none.
 *
 * With `perStep`, the workerd CPU is also read around every request
 * (meaningful at concurrency 1 only, where one request runs at a time).
 * `databaseCpu()` reads the database's CPU so far (see databaseCpuMs).
 */
export async function runRound({
  side,
  origin,
  emails,
  concurrency,
  seconds,
  maxFlows,
  messages,
  endpoint,
  workerdPid,
  databaseCpu,
  lastUsed,
  minReuseMs = 1_100,
  perStep = false,
  shouldStop = () => false,
}) {
  if (emails.length < concurrency) throw new Error(`need ${concurrency} accounts, have ${emails.length}`);
  await settle(endpoint);
  const users = Array.from({ length: concurrency }, (_, i) => ({
    accounts: emails.filter((_, j) => j % concurrency === i),
    next: 0,
    conn: connection(origin),
  }));
  let reuseWaits = 0;
  const before = { stats: endpoint.stats(), workerd: processCpuMs(workerdPid), database: databaseCpu(), harness: selfCpuMs() };
  const steps = Object.fromEntries(side.steps.map((s) => [s, []]));
  const stepCpu = Object.fromEntries(side.steps.map((s) => [s, 0]));
  const flowMs = [];
  const errors = [];
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let lastEnd = t0;

  // At concurrency 1 only one request runs at a time, so workerd's CPU around it is that step's.
  let cpu0 = 0;
  const probe = perStep
    ? {
        start: () => (cpu0 = processCpuMs(workerdPid) ?? 0),
        end: (step) => (stepCpu[step] += (processCpuMs(workerdPid) ?? 0) - cpu0),
      }
    : undefined;

  await Promise.all(
    users.map(async (user) => {
      const { conn } = user;
      while (performance.now() < deadline && started < maxFlows && errors.length < 20 && !shouldStop()) {
        started++;
        const email = user.accounts[user.next++ % user.accounts.length];
        const wait = (lastUsed.get(email) ?? -Infinity) + minReuseMs - performance.now();
        if (wait > 0) {
          reuseWaits++;
          await sleep(wait);
        }
        const flowStart = performance.now();
        try {
          const times = await side.flow(conn, email, messages, origin, probe).finally(() => lastUsed.set(email, performance.now()));
          const end = performance.now();
          flowMs.push(end - flowStart);
          for (const [step, ms] of Object.entries(times)) steps[step]?.push(ms);
          lastEnd = end;
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
          await sleep(50);
        }
      }
    }),
  );
  const elapsedMs = lastEnd - t0;
  await settle(endpoint);
  const after = { stats: endpoint.stats(), workerd: processCpuMs(workerdPid), database: databaseCpu(), harness: selfCpuMs() };
  for (const u of users) u.conn.close();

  const flows = flowMs.length;
  const per = (a, b) => (flows && a !== undefined && b !== undefined ? (a - b) / flows : undefined);
  return {
    side: side.key,
    concurrency,
    flows,
    errors,
    reuseWaits,
    elapsedMs,
    flowsPerSec: flows ? (flows * 1000) / elapsedMs : 0,
    statementsPerFlow: per(after.stats.statements, before.stats.statements),
    transactionsPerFlow: per(after.stats.transactions, before.stats.transactions),
    connectionsPerFlow: per(after.stats.connections, before.stats.connections),
    workerdCpuMsPerFlow: per(after.workerd, before.workerd),
    databaseCpuMsPerFlow: per(after.database, before.database),
    harnessCpuMsPerFlow: per(after.harness, before.harness),
    steps,
    flowMs,
    stepCpuMs: perStep ? Object.fromEntries(Object.entries(stepCpu).map(([k, v]) => [k, flows ? v / flows : undefined])) : undefined,
  };
}

/** Registers every account through the side's own sign-up, `concurrency` (4) at a time. */
export async function registerAll(side, emails, origin, endpoint, concurrency = 4) {
  const times = [];
  const before = endpoint.stats().statements;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, emails.length) }, async () => {
      const conn = connection(origin);
      try {
        while (next < emails.length) {
          const email = emails[next++];
          const started = performance.now();
          await side.register(conn, email, origin);
          times.push(performance.now() - started);
        }
      } finally {
        conn.close();
      }
    }),
  );
  return { p50: median(times), statementsPerUser: (endpoint.stats().statements - before) / emails.length };
}

