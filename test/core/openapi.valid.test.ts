// Property: the OpenAPI document is valid OpenAPI 3.1 by tools nobody here
// wrote: @apidevtools/swagger-parser (the OpenAPI 3.1 meta-schema, every
// $ref resolvable) and Ajv in strict mode on JSON Schema 2020-12, OpenAPI 3.1's
// dialect, for every schema in it. A document only our own code accepts would
// fail client generators and validators elsewhere.
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../functions/docs/openapi";
import { ROUTES } from "../../functions/docs/routes";

type Json = Record<string, unknown>;

const doc = buildOpenApi(ROUTES, "test") as Json;

/** Every schema of the document: components, request bodies, parameters, responses and their headers. */
function schemasOf(document: Json): [string, Json][] {
  const found: [string, Json][] = [];
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === "schema" && value && typeof value === "object") found.push([`${where}/schema`, value as Json]);
      else walk(value, `${where}/${key}`);
    }
  };
  walk(document.paths, "#/paths");
  walk(document.components, "#/components");
  for (const [name, schema] of Object.entries(((document.components as Json).schemas as Json) ?? {})) found.push([`#/components/schemas/${name}`, schema as Json]);
  return found;
}

describe("the OpenAPI document, checked by others' tools", () => {
  it("is valid OpenAPI 3.1 for swagger-parser, every $ref resolved", async () => {
    const api = (await SwaggerParser.validate(structuredClone(doc) as never)) as { openapi?: string };
    expect(api.openapi).toBe("3.1.0");
  });

  it("swagger-parser refuses a broken one (the check can fail)", async () => {
    const broken = structuredClone(doc) as { paths: Record<string, Record<string, { responses: Record<string, Json> }>> };
    delete broken.paths["/health"]!.get!.responses["200"]!.description;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow(/description/);
  });

  it("has schemas Ajv compiles in strict mode as JSON Schema 2020-12", async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addFormat("uuid", /^[0-9a-f-]{36}$/i);
    const resolved = (await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as Json;
    const schemas = schemasOf(resolved);
    expect(schemas.length).toBeGreaterThan(100);
    for (const [where, schema] of schemas) expect(() => ajv.compile(schema), where).not.toThrow();
  });
});
