/**
 * Writes the OpenAPI document (`openapi.json`) for the static assets. Run by
 * `npm run docs` (bundled and run in Node by ./build.mjs), never by the worker.
 */
import { writeFileSync } from "node:fs";
import { buildOpenApi } from "./openapi";
import { ROUTES } from "./routes";

const [outFile, version = "0.0.0"] = process.argv.slice(2);
if (!outFile) throw new Error("usage: generate <out.json> [version]");
writeFileSync(outFile, `${JSON.stringify(buildOpenApi(ROUTES, version), null, 2)}\n`);
