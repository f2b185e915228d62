#!/usr/bin/env node
/**
 * Project lint: rules no off-the-shelf linter here checks for us.
 * - Worker code reads configuration only from bindings: no process.env or globalThis.
 * - Nothing under functions/ or db/ (worker side) logs a code, password or token field.
 * Exits non-zero with one line per finding.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const findings = [];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

const workerFiles = [...walk(join(root, "functions")), join(root, "db/client.ts"), join(root, "db/store.ts"), join(root, "db/schema.ts")]
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));

for (const file of workerFiles) {
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    const where = `${relative(root, file)}:${i + 1}`;
    if (/\bprocess\.env\b/.test(line)) findings.push(`${where}: worker code must read configuration from c.env, not process.env`);
    if (/\bglobalThis\b/.test(line)) findings.push(`${where}: worker code must not keep state on globalThis`);
    if (/log\([^)]*\b(code|password|access_token|refresh_token|secret)\s*[:,)]/.test(line) && !/delivery\/console\.ts$/.test(file)) {
      findings.push(`${where}: a log call passes a secret-looking field`);
    }
  });
}

if (findings.length) {
  console.error(findings.join("\n"));
  console.error(`lint: ${findings.length} finding(s)`);
  process.exit(1);
}
console.log(`lint: ${workerFiles.length} worker files clean`);
