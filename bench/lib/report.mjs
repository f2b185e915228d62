/**
 * Turns a results object into the side-by-side table printed at the end of a
 * run (Markdown, so the same text goes into BENCHMARKS.md).
 */

const TARGETS = {
  statements: { label: "statements / flow", max: 1 / 3 },
  // Issue 11: 3.5x on the embedded Postgres, 3x on a real server (where each side's SQL costs more than its framework).
  throughput: { label: "flows/s at c=16, equal (cheap) hash cost", min: { embedded: 3.5, server: 3 } },
  bundle: { label: "bundle gzip", max: 0.5 },
  databaseCpu: { label: "Postgres CPU ms / flow (ours, c=16, equal hash cost; real server)", max: 10 },
  roundTrips: { label: "round trips at RTT 40 ms (ours)", max: { health: 1.3, verify: 1.3, me: 1.3, refresh: 1.3, login: 2.3 } },
  load: { label: "5xx under the load case (login and /health)", max: 0 },
};

const fmt = (v, digits = 1) => (v === undefined || v === null || Number.isNaN(v) ? "n/a" : Number(v).toFixed(digits));
const ratio = (a, b) => (a !== undefined && b ? a / b : undefined);

function row(cells) {
  return `| ${cells.join(" | ")} |`;
}

/** The verdict of each target, from the results. */
export function targets(results) {
  const cheap = results.modes.cheap;
  const production = results.modes.production;
  const any = cheap ?? production;
  const kind = results.database?.kind === "server" ? "server" : "embedded";
  const stOurs = any?.concurrency?.["1"]?.ours?.statementsPerFlow;
  const stPeer = any?.concurrency?.["1"]?.peer?.statementsPerFlow;
  const out = [];
  const st = ratio(stOurs, stPeer);
  out.push({ ...TARGETS.statements, value: st, detail: `${fmt(stOurs)} vs ${fmt(stPeer)}`, met: st !== undefined && st <= TARGETS.statements.max });
  const tp = cheap?.concurrency?.["16"]?.ratio;
  const tpMin = TARGETS.throughput.min[kind];
  out.push({
    ...TARGETS.throughput,
    label: `${TARGETS.throughput.label} (${kind})`,
    min: tpMin,
    value: tp,
    detail: `${fmt(cheap?.concurrency?.["16"]?.ours?.flowsPerSec)} vs ${fmt(cheap?.concurrency?.["16"]?.peer?.flowsPerSec)} flows/s (median of per-round ratios)`,
    met: tp !== undefined && tp >= tpMin,
  });
  const bg = ratio(results.bundle.ours.gzipKiB, results.bundle.peer.gzipKiB);
  out.push({ ...TARGETS.bundle, value: bg, detail: `${fmt(results.bundle.ours.gzipKiB)} vs ${fmt(results.bundle.peer.gzipKiB)} KiB`, met: bg !== undefined && bg <= TARGETS.bundle.max });
  if (kind === "server") {
    const cpu = cheap?.concurrency?.["16"]?.ours?.databaseCpuMsPerFlow;
    out.push({ ...TARGETS.databaseCpu, absolute: true, value: cpu, detail: `peer ${fmt(cheap?.concurrency?.["16"]?.peer?.databaseCpuMsPerFlow)} ms`, met: cpu !== undefined && cpu <= TARGETS.databaseCpu.max });
  }
  const rt = results.roundTrips?.sides?.ours?.types;
  if (rt) {
    for (const [type, max] of Object.entries(TARGETS.roundTrips.max)) {
      const value = rt[type]?.roundTrips;
      out.push({ label: `${TARGETS.roundTrips.label}: ${type}`, absolute: true, max, value, detail: `${fmt(rt[type]?.statements, 0)} statement(s)`, met: value !== undefined && value <= max });
    }
  }
  if (results.load) {
    const { login, health } = results.load.routes;
    const value = login.fiveXX + health.fiveXX + login.clientErrors + health.clientErrors;
    out.push({
      ...TARGETS.load,
      label: `${TARGETS.load.label}, c=${results.load.concurrency}`,
      absolute: true,
      value,
      digits: 0,
      detail: `${login.requests} logins, ${health.requests} /health`,
      met: value <= TARGETS.load.max,
    });
  }
  return out;
}

/** The round-trip table: each request type's p50 at each RTT, and the round trips it pays. */
export function renderRoundTrips(rt) {
  const lines = [];
  const [low, high] = [rt.rtts[0], rt.rtts.at(-1)];
  lines.push(row(["side", "request", "statements", `p50 ms at RTT ${low}`, `p50 ms at RTT ${high}`, `round trips: (p50 at ${high} − p50 at ${low}) / ${high - low}`]));
  lines.push(row(["---", "---", "---:", "---:", "---:", "---:"]));
  for (const [side, data] of Object.entries(rt.sides)) {
    for (const [type, t] of Object.entries(data.types)) {
      lines.push(row([side, type, fmt(t.statements, 0), fmt(t.p50[low]), fmt(t.p50[high]), fmt(t.roundTrips, 2)]));
    }
    lines.push(row([side, "**full flow** (client's requests, code lookup excluded)", fmt(data.flow.statements, 0), fmt(data.flow.p50[low]), fmt(data.flow.p50[high]), fmt(data.flow.roundTrips, 2)]));
  }
  const ours = rt.sides.ours?.flow?.p50?.[high];
  const peer = rt.sides.peer?.flow?.p50?.[high];
  lines.push("", `Full flow at RTT ${high} ms: ours ${fmt(ours)} ms, peer ${fmt(peer)} ms, ours / peer ${fmt(ratio(ours, peer), 2)} (medians of ${rt.samples} flows each).`);
  return lines.join("\n");
}

/** The load case: every status per route. */
export function renderLoad(load) {
  const lines = [];
  lines.push(row(["route", "requests", "per s", "statuses", "5xx", "client errors", "p50 ms", "p99 ms"]));
  lines.push(row(["---", "---:", "---:", "---", "---:", "---:", "---:", "---:"]));
  for (const [name, r] of Object.entries(load.routes)) {
    const statuses = Object.entries(r.statuses).map(([s, n]) => `${s}: ${n}`).join(", ");
    lines.push(row([name, String(r.requests), fmt(r.perSecond), statuses, String(r.fiveXX), String(r.clientErrors), fmt(r.p50), fmt(r.p99)]));
  }
  lines.push("", `${load.concurrency} clients for ${load.seconds} s (half login, half /health); Postgres sessions opened by the pooled endpoint during the case: ${load.databaseSessionsOpened} (pool of ${load.poolSize}).`);
  return lines.join("\n");
}

export function renderTables(results) {
  const lines = [];
  const head = row(["", "ours", "peer", "ours / peer"]);
  const rule = row(["---", "---:", "---:", "---:"]);
  lines.push(head, rule);
  const add = (label, a, b, digits = 1, r = ratio(a, b)) => lines.push(row([label, fmt(a, digits), fmt(b, digits), fmt(r, 2)]));
  add("bundle, gzip KiB (`wrangler deploy --dry-run`)", results.bundle.ours.gzipKiB, results.bundle.peer.gzipKiB);
  add("bundle, raw KiB", results.bundle.ours.rawKiB, results.bundle.peer.rawKiB);
  add("startup CPU, ms (`wrangler check startup`, median)", results.startup.ours?.activeMs, results.startup.peer?.activeMs);

  for (const [mode, data] of Object.entries(results.modes)) {
    lines.push(row([`**${data.label}**`, "", "", ""]));
    const reg = data.register;
    add("register: p50 ms (c=4)", reg.ours.p50, reg.peer.p50);
    add("register: statements", reg.ours.statementsPerUser, reg.peer.statementsPerUser);
    for (const [c, d] of Object.entries(data.concurrency)) {
      add(`c=${c}: flows/s (median of rounds; ratio = median of per-round ratios)`, d.ours.flowsPerSec, d.peer.flowsPerSec, 1, d.ratio);
      add(`c=${c}: flow p50 ms`, d.ours.flow.p50, d.peer.flow.p50);
      add(`c=${c}: flow p99 ms`, d.ours.flow.p99, d.peer.flow.p99);
      add(`c=${c}: workerd CPU ms / flow`, d.ours.workerdCpuMsPerFlow, d.peer.workerdCpuMsPerFlow);
      if (d.ours.databaseCpuMsPerFlow !== undefined) add(`c=${c}: Postgres CPU ms / flow`, d.ours.databaseCpuMsPerFlow, d.peer.databaseCpuMsPerFlow);
      if (mode === Object.keys(results.modes)[0] || c === "1") {
        add(`c=${c}: statements / flow`, d.ours.statementsPerFlow, d.peer.statementsPerFlow);
        add(`c=${c}: transactions (BEGIN) / flow`, d.ours.transactionsPerFlow, d.peer.transactionsPerFlow, 1);
        add(`c=${c}: connections / flow`, d.ours.connectionsPerFlow, d.peer.connectionsPerFlow);
      }
    }
  }

  lines.push("", "Flows/s ratio ours / peer, per round pair (A, B alternating; warm-up pair discarded):", "");
  lines.push(row(["mode", "c", "ratios", "median"]), row(["---", "---:", "---", "---:"]));
  for (const [, data] of Object.entries(results.modes)) {
    for (const [c, d] of Object.entries(data.concurrency)) lines.push(row([data.label, c, d.ratios.map((r) => fmt(r, 2)).join(", "), fmt(d.ratio, 2)]));
  }

  lines.push("", "Per step, p50 / p99 ms (workerd CPU ms per step at c=1; statements per step):", "");
  lines.push(row(["mode", "c", "side", "steps"]), row(["---", "---:", "---", "---"]));
  for (const [, data] of Object.entries(results.modes)) {
    for (const [c, d] of Object.entries(data.concurrency)) {
      for (const side of ["ours", "peer"]) {
        const steps = Object.entries(d[side].steps)
          .map(([name, s]) => {
            const extra = [];
            if (c === "1" && d[side].stepCpuMs?.[name] !== undefined) extra.push(`${fmt(d[side].stepCpuMs[name])} ms CPU`);
            const st = data.profile?.[side]?.statementsByStep?.[name];
            if (c === "1" && st !== undefined) extra.push(`${fmt(st, 0)} stmt`);
            return `${name} ${fmt(s.p50)} / ${fmt(s.p99)}${extra.length ? ` (${extra.join(", ")})` : ""}`;
          })
          .join(" · ");
        lines.push(row([data.label, c, side, steps]));
      }
    }
  }

  if (results.profile?.error) lines.push("", `Profile: failed (${results.profile.error}).`);
  else if (results.profile) {
    lines.push("", "Where workerd's CPU goes (V8 profile at c=1, equal cheap hashing, unminified build; ms per flow, self time by package):", "");
    lines.push(row(["side", "active ms / flow", "by package"]), row(["---", "---:", "---"]));
    for (const side of ["ours", "peer"]) {
      const p = results.profile[side];
      if (!p) continue;
      const parts = p.byPackage.slice(0, 8).map((g) => `${g.name} ${fmt(g.msPerFlow, 2)}`);
      lines.push(row([side, fmt(p.activeMsPerFlow, 1), parts.join(" · ")]));
    }
    if (results.profile.composition) {
      lines.push("", "What the bundles are made of (share of the unminified bundle's bytes, by package):", "");
      lines.push(row(["side", "packages"]), row(["---", "---"]));
      for (const side of ["ours", "peer"]) {
        const parts = results.profile.composition[side].map((g) => `${g.name} ${fmt(100 * g.share, 0)}%`);
        lines.push(row([side, parts.join(" · ")]));
      }
    }
  }

  if (results.roundTrips) {
    lines.push("", "Round trips per request type (one request at a time, equal cheap hashing; the endpoints delay each direction by RTT / 2):", "");
    lines.push(renderRoundTrips(results.roundTrips));
  }
  if (results.load) {
    lines.push("", "Load case (the service only, equal cheap hashing, pooled HTTP path):", "");
    lines.push(renderLoad(results.load));
  }

  lines.push("", "Targets:", "");
  lines.push(row(["target", "value (ours / peer unless noted)", "limit", "met", "figures"]), row(["---", "---:", "---:", "---", "---"]));
  for (const t of targets(results)) {
    lines.push(row([t.label, fmt(t.value, t.digits ?? 2), t.max !== undefined ? `≤ ${fmt(t.max, t.digits ?? 2)}` : `≥ ${fmt(t.min, 2)}`, t.met ? "yes" : "**no**", t.detail]));
  }
  return lines.join("\n");
}

// `node bench/lib/report.mjs bench/results/<date>.json` prints a stored run's tables again.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { readFileSync } = await import("node:fs");
  console.log(renderTables(JSON.parse(readFileSync(process.argv[2], "utf8"))));
}
