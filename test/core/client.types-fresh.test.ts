// Property: the typed client's types (functions/client/schema.d.ts, committed
// for apps to import) are exactly what openapi-typescript generates from the
// OpenAPI document today. A route, a schema or an error code that changed
// without `npm run client:types` fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clientTypes } from "../../functions/client/generate.mjs";
import { buildOpenApi } from "../../functions/docs/openapi";
import { ROUTES } from "../../functions/docs/routes";

describe("the typed client", () => {
  it("has the types a fresh generation from the document gives (run `npm run client:types`)", async () => {
    const committed = readFileSync(new URL("../../functions/client/schema.d.ts", import.meta.url), "utf8");
    const fresh: string = await clientTypes(buildOpenApi(ROUTES, "any version"));
    // Compared line by line so a failure shows where they differ.
    expect(committed.split("\n")).toEqual(fresh.split("\n"));
  });
});
