// Property: the OpenAPI document describes exactly the worker's routes: a route
// without its documentation, or documentation without its route, fails here.
// Every operation has an operationId, a summary, an example or a schema for its
// success, and every error status it lists names codes from the one registry.
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../functions/core/errors";
import { buildOpenApi } from "../../functions/docs/openapi";
import { ROUTES } from "../../functions/docs/routes";
import { routesOf } from "../support/worker-routes";

type Operation = { operationId: string; summary: string; responses: Record<string, { description: string }> };

describe("the OpenAPI document", () => {
  const doc = buildOpenApi(ROUTES, "test") as { openapi: string; paths: Record<string, Record<string, Operation>> };

  it("is OpenAPI 3.1 and covers every route of the worker, and nothing else", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(documented).toEqual(await routesOf());
  });

  it("gives every operation an id, a summary and its statuses, with registered error codes", () => {
    const ids = new Set<string>();
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(op.summary.length).toBeGreaterThan(5);
        expect(Object.keys(op.responses).length).toBeGreaterThanOrEqual(2);
        for (const [status, response] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
          for (const code of response.description.match(/`([a-z_]+)`/g) ?? []) {
            const name = code.slice(1, -1) as keyof typeof ERRORS;
            expect(ERRORS[name], `${op.operationId} ${status} ${name}`).toBeDefined();
          }
        }
      }
    }
  });
});
