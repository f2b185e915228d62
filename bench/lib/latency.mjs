/**
 * Two measurements beside the throughput rounds:
 *
 * - Round trips per request type (`latencyPhase`): each side's requests one at a
 *   time, at a simulated database RTT of 0 and of 40 ms (the endpoints delay each
 *   direction by half). (latency at 40 - latency at 0) / 40 is how many round
 *   trips to the database a request pays; the floor is one per statement.
 * - A load case (`loadCase`): many clients at once on the service's login and
 *   /health, counting every status: a database path that opens a connection per
 *   request runs out of them (SQLSTATE 53300) and answers 5xx; a pooled one must not.
 */
import { sides } from "./flows.mjs";
import { connection } from "./http.mjs";
import { median, percentile, registerAll } from "./measure.mjs";
import { startEndpoints, startWorkers } from "./stack.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For each RTT in `rtts`: fresh endpoints with that delay, a workerd with both
 * workers (`bindingsFor(endpoints, origins)`), then `samples` sequences of every
 * request type per side, one request at a time, each on a new account, after
 * `warmup` discarded ones (first requests warm up workerd and the pools).
 */
export async function latencyPhase({ cleanup, bundles, fake, bindingsFor, runId, samples, warmup = 2, rtts = [0, 40], say, shouldStop = () => false }) {
  const raw = { ours: {}, peer: {} };
  for (const rtt of rtts) {
    const endpoints = await startEndpoints(cleanup, { rttMs: rtt, label: `RTT ${rtt} ms` });
    const workers = await startWorkers(cleanup, (origins) => {
      const bindings = bindingsFor(endpoints, origins);
      return { ours: { bundle: bundles.ours, bindings: bindings.ours }, peer: { bundle: bundles.peer, bindings: bindings.peer } };
    });
    const { origins } = workers;
    try {
      for (const key of ["ours", "peer"]) {
        const side = sides[key];
        const byType = Object.fromEntries(side.requestTypes.map((t) => [t, { ms: [], statements: [] }]));
        const flowMs = [];
        let mark = 0;
        const probe = {
          start: () => (mark = endpoints[key].stats().statements),
          end: (step) => byType[step]?.statements.push(endpoints[key].stats().statements - mark),
        };
        const conn = connection(origins[key]);
        try {
          for (let i = 0; i < warmup + samples && !shouldStop(); i++) {
            const email = `${key}.rtt${rtt}.${i}.${runId}@bench.test`;
            const times = await side.eachRequest(conn, email, fake.messages, origins[key], probe);
            if (i < warmup) continue;
            for (const [type, ms] of Object.entries(times)) byType[type]?.ms.push(ms);
            flowMs.push(side.steps.reduce((sum, step) => sum + times[step], 0));
          }
        } finally {
          conn.close();
        }
        raw[key][rtt] = { byType, flowMs };
        say(`RTT ${rtt} ms, ${key}: ` + side.requestTypes.map((t) => `${t} ${median(byType[t].ms)?.toFixed(1)} ms`).join(", "));
      }
    } finally {
      await workers.dispose();
      await endpoints.ours.stop();
      await endpoints.peer.stop();
    }
  }
  return summarizeLatency(raw, rtts, samples);
}

/** Medians per request type and RTT, and the round trips each request pays: (p50 at the last RTT - p50 at the first) / RTT. */
export function summarizeLatency(raw, rtts, samples) {
  const [low, high] = [rtts[0], rtts.at(-1)];
  const out = { rtts, samples, sides: {} };
  for (const key of ["ours", "peer"]) {
    const types = {};
    for (const type of sides[key].requestTypes) {
      const p50 = Object.fromEntries(rtts.map((rtt) => [rtt, median(raw[key][rtt]?.byType[type]?.ms ?? [])]));
      types[type] = {
        p50,
        statements: median(raw[key][low]?.byType[type]?.statements ?? []),
        roundTrips: p50[high] !== undefined && p50[low] !== undefined ? (p50[high] - p50[low]) / (high - low) : undefined,
      };
    }
    const flow = Object.fromEntries(rtts.map((rtt) => [rtt, median(raw[key][rtt]?.flowMs ?? [])]));
    const statements = sides[key].steps.reduce((sum, step) => sum + (types[step]?.statements ?? 0), 0);
    out.sides[key] = {
      types,
      flow: { p50: flow, statements, roundTrips: flow[high] !== undefined && flow[low] !== undefined ? (flow[high] - flow[low]) / (high - low) : undefined },
    };
  }
  return out;
}

/**
 * `concurrency` clients at once for `seconds`, each on its own keep-alive
 * connection: half log in (the right password, accounts in turn, none reused
 * within `reuseMs`: the one-code-per-second cooldown is not what is measured),
 * half ask /health. Every status is counted; a client error (timeout, reset) too.
 */
export async function loadCase({ origin, emails, password, concurrency = 150, seconds, reuseMs = 1_100, endpoint, shouldStop = () => false }) {
  const routes = { login: { statuses: {}, ms: [] }, health: { statuses: {}, ms: [] } };
  const lastUsed = new Map();
  let next = 0;
  let reuseWaits = 0;
  const sessionsBefore = endpoint.stats().connections;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const route = i % 2 === 0 ? "login" : "health";
      const conn = connection(origin);
      try {
        while (performance.now() < deadline && !shouldStop()) {
          let email;
          if (route === "login") {
            email = emails[next++ % emails.length];
            const wait = (lastUsed.get(email) ?? -Infinity) + reuseMs - performance.now();
            if (wait > 0) {
              reuseWaits++;
              await sleep(wait);
            }
            lastUsed.set(email, Infinity);
          }
          const t0 = performance.now();
          let status;
          try {
            const response =
              route === "login"
                ? await conn.request("POST", "/auth/login", { json: { email, password, channel: "email" }, timeoutMs: 30_000 })
                : await conn.request("GET", "/health", { timeoutMs: 30_000 });
            status = String(response.status);
          } catch {
            status = "client_error";
          }
          if (email) lastUsed.set(email, performance.now());
          routes[route].ms.push(performance.now() - t0);
          routes[route].statuses[status] = (routes[route].statuses[status] ?? 0) + 1;
        }
      } finally {
        conn.close();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const summary = {};
  for (const [name, r] of Object.entries(routes)) {
    const total = r.ms.length;
    const fiveXX = Object.entries(r.statuses).filter(([s]) => s.startsWith("5")).reduce((n, [, c]) => n + c, 0);
    summary[name] = { requests: total, perSecond: total / elapsed, statuses: r.statuses, fiveXX, clientErrors: r.statuses.client_error ?? 0, p50: percentile(r.ms, 50), p99: percentile(r.ms, 99) };
  }
  return { concurrency, seconds, routes: summary, databaseSessionsOpened: endpoint.stats().connections - sessionsBefore, poolSize: endpoint.poolSize, reuseWaits };
}

/** Registers `count` fresh accounts on the service for the load case, 16 at a time. */
export async function loadAccounts({ origin, endpoint, runId, count }) {
  const emails = Array.from({ length: count }, (_, i) => `ours.load.${i}.${runId}@bench.test`);
  await registerAll(sides.ours, emails, origin, endpoint, 16);
  return emails;
}
