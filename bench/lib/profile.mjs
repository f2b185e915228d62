/**
 * A CPU profile of each worker inside workerd, taken over the DevTools
 * protocol (Miniflare's inspector), and attributed to the modules of the
 * bundle: an unminified esbuild bundle marks where each source file starts
 * with a `// path/to/file.js` line, so each sample's line tells its package.
 */
import { readFileSync } from "node:fs";
import WebSocket from "ws";

/** Opens a DevTools session on one worker; `send` resolves with the method's result. */
async function devtools(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  return {
    send(method, params = {}) {
      return new Promise((resolve, reject) => {
        pending.set(++id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

/** Profiles worker `name` while `run()` drives it; returns the raw .cpuprofile object. */
export async function profileWorker(inspectorBase, name, run) {
  const session = await devtools(new URL(`/core:user:${name}`, inspectorBase).href.replace(/^http/, "ws"));
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 100 });
    await session.send("Profiler.start");
    await run();
    const { profile } = await session.send("Profiler.stop");
    return profile;
  } finally {
    session.close();
  }
}

/** Where each module starts in an unminified bundle: [{ line, module }], sorted. */
function moduleMap(bundlePath) {
  const starts = [];
  readFileSync(bundlePath, "utf8")
    .split("\n")
    .forEach((text, line) => {
      const match = text.match(/^\/\/ ((?:\.\.\/)*[\w@./-]+\.(?:m?js|ts|cjs))$/);
      if (match) starts.push({ line, module: match[1].replace(/^(\.\.\/)+/, "") });
    });
  return starts;
}

/** `node_modules/@scope/pkg/...` -> `@scope/pkg`; `functions/core/flow.ts` -> `functions/core`. */
function owner(module) {
  const nm = module.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = module.slice(nm + "node_modules/".length).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const parts = module.split("/");
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * What a bundle is made of: each package's share of the unminified bundle's
 * bytes (a guide to where the gzip size comes from, not the gzip size itself).
 */
export function bundleComposition(bundlePath, top = 8) {
  const starts = moduleMap(bundlePath);
  const text = readFileSync(bundlePath, "utf8").split("\n");
  const bytes = new Map();
  let group = "(bundle prelude)";
  let next = 0;
  text.forEach((line, i) => {
    if (next < starts.length && starts[next].line === i) group = owner(starts[next++].module);
    bytes.set(group, (bytes.get(group) ?? 0) + line.length + 1);
  });
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => ({ name, share: n / total }));
}

/**
 * Self time per package (and the top functions) of the samples that ran the
 * worker's own bundle or workerd internals, over `flows` flows.
 */
export function summarizeProfile(profile, bundlePath, flows) {
  const starts = moduleMap(bundlePath);
  const bundleName = bundlePath.split("/").pop();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOwner = new Map();
  const byFunction = new Map();
  let activeUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    activeUs += us;
    let group;
    if (callFrame.url.endsWith(bundleName)) {
      let lo = 0;
      let hi = starts.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid].line <= callFrame.lineNumber) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      group = found >= 0 ? owner(starts[found].module) : "(bundle prelude)";
    } else if (callFrame.url.startsWith("node-internal:") || callFrame.url.startsWith("node:")) {
      group = "(workerd node:* polyfills)";
    } else if (callFrame.functionName.startsWith("(")) {
      group = callFrame.functionName; // (garbage collector), (program)
    } else {
      group = "(workerd runtime APIs)";
    }
    byOwner.set(group, (byOwner.get(group) ?? 0) + us);
    const fn = `${callFrame.functionName || "(anonymous)"} [${group}]`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const perFlow = (us) => us / 1000 / flows;
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, msPerFlow: perFlow(us), share: us / activeUs }));
  return { flows, activeMsPerFlow: perFlow(activeUs), idleMsPerFlow: perFlow(idleUs), byPackage: top(byOwner, 12), topFunctions: top(byFunction, 12) };
}
