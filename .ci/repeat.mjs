#!/usr/bin/env node
/**
 * `npm run test:repeat -- N [vitest args]`: runs the whole suite N times in a
 * row (5 by default) and stops at the first failure, to catch tests that fail
 * by chance. TEST_DATABASE_URL picks the database as for `npm test`.
 */
import { spawnSync } from "node:child_process";

const [countArg, ...rest] = process.argv.slice(2);
const runs = Number(countArg ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: npm run test:repeat -- <runs> [vitest args]");
  process.exit(2);
}
// What `npm test` does first: the static assets the workerd tests serve.
if (spawnSync("npm", ["run", "docs"], { stdio: "inherit" }).status !== 0) process.exit(1);
const durations = [];
for (let i = 1; i <= runs; i++) {
  const started = Date.now();
  const run = spawnSync("npx", ["vitest", "run", "--config", "test/vitest.config.mts", ...rest], { stdio: "inherit" });
  durations.push((Date.now() - started) / 1000);
  console.log(`\n[repeat] run ${i} of ${runs}: ${run.status === 0 ? "passed" : "FAILED"} in ${durations.at(-1).toFixed(1)} s`);
  if (run.status !== 0) process.exit(run.status ?? 1);
}
console.log(`[repeat] ${runs} of ${runs} passed; ${durations.map((d) => d.toFixed(1)).join(", ")} s`);
