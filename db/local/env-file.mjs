/** Reads and writes dotenv files: KEY=value lines, # comments, optional quotes. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** @param {string} path @returns {Record<string, string>} */
export function readEnvFile(path) {
  if (!existsSync(path)) return {};
  /** @type {Record<string, string>} */
  const values = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const match = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/);
    if (!match) continue;
    let value = match[2];
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    if (value !== "") values[match[1]] = value;
  }
  return values;
}

/** @param {string} path @param {Record<string, string>} values */
export function writeEnvFile(path, values) {
  const lines = Object.entries(values).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  writeFileSync(path, lines.join("\n") + "\n", { mode: 0o600 });
}

/** The variables an example file (.env.example) documents, in its order: `NAME=` lines. */
export function documentedVariables(path) {
  if (!existsSync(path)) return [];
  return [...readFileSync(path, "utf8").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}
