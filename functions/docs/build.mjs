#!/usr/bin/env node
/**
 * `npm run docs`: builds the static assets the worker serves beside the API,
 * into functions/docs/public/ (git-ignored):
 * - /openapi.json, generated from the routes' zod schemas (./generate.ts);
 * - /docs/, the API reference page: Swagger UI's files from node_modules (no
 *   CDN, so it works offline), started by ./page/init.js;
 * - _headers: the reference page's own CSP ('self' for scripts and styles);
 *   the API keeps its deny-all CSP, set by the worker.
 * Runs before `npm run dev`, `npm test`, the build and the deploy.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));
const out = join(here, "public");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "docs"), { recursive: true });

// The generator is TypeScript that imports the functions' schemas: bundle it for Node, then run it.
const bundle = join(tmpdir(), `openapi-generate-${process.pid}.mjs`);
await build({ entryPoints: [join(here, "generate.ts")], bundle: true, platform: "node", format: "esm", outfile: bundle, logLevel: "error" });
process.argv = [process.argv[0], bundle, join(out, "openapi.json"), pkg.version];
await import(pathToFileURL(bundle).href);
rmSync(bundle, { force: true });

for (const file of ["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"]) copyFileSync(join(root, "node_modules/swagger-ui-dist", file), join(out, "docs", file));
for (const file of ["index.html", "init.js", "page.css"]) copyFileSync(join(here, "page", file), join(out, "docs", file));
copyFileSync(join(here, "page", "_headers"), join(out, "_headers"));
console.log(`docs: ${join(out, "openapi.json")} and /docs/ written`);
