/**
 * Turns a results object into the side-by-side table printed at the end of a
 * run (Markdown, so the same text goes into BENCHMARKS.md).
 */

const TARGETS = {
  statements: { label: "statements / flow", max: 1 / 3 },
  throughput: { label: "flows/s at c=16, equal (cheap) hash cost", min: 2 },
  bundle: { label: "bundle gzip", max: 0.5 },
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
  const stOurs = any?.concurrency?.["1"]?.ours?.statementsPerFlow;
  const stPeer = any?.concurrency?.["1"]?.peer?.statementsPerFlow;
  const out = [];
  const st = ratio(stOurs, stPeer);
  out.push({ ...TARGETS.statements, value: st, detail: `${fmt(stOurs)} vs ${fmt(stPeer)}`, met: st !== undefined && st <= TARGETS.statements.max });
  const tp = cheap?.concurrency?.["16"]?.ratio;
  out.push({
    ...TARGETS.throughput,
    value: tp,
    detail: `${fmt(cheap?.concurrency?.["16"]?.ours?.flowsPerSec)} vs ${fmt(cheap?.concurrency?.["16"]?.peer?.flowsPerSec)} flows/s (median of per-round ratios)`,
    met: tp !== undefined && tp >= TARGETS.throughput.min,
  });
  const bg = ratio(results.bundle.ours.gzipKiB, results.bundle.peer.gzipKiB);
  out.push({ ...TARGETS.bundle, value: bg, detail: `${fmt(results.bundle.ours.gzipKiB)} vs ${fmt(results.bundle.peer.gzipKiB)} KiB`, met: bg !== undefined && bg <= TARGETS.bundle.max });
  return out;
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

  lines.push("", "Targets:", "");
  lines.push(row(["target", "ours / peer", "limit", "met", "figures"]), row(["---", "---:", "---:", "---", "---"]));
  for (const t of targets(results)) {
    lines.push(row([t.label, fmt(t.value, 2), t.max !== undefined ? `≤ ${fmt(t.max, 2)}` : `≥ ${fmt(t.min, 2)}`, t.met ? "yes" : "**no**", t.detail]));
  }
  return lines.join("\n");
}

// `node bench/lib/report.mjs bench/results/<date>.json` prints a stored run's tables again.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { readFileSync } = await import("node:fs");
  console.log(renderTables(JSON.parse(readFileSync(process.argv[2], "utf8"))));
}
