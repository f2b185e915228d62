/**
 * Checks real answers of the worker against the OpenAPI document it serves
 * (functions/docs/public/openapi.json, written by `npm run docs`, which
 * `npm test` runs first; vite inlines the JSON when it loads this module, since
 * workerd reads no files). The judge is a validator nobody here wrote:
 * openapi-backend, on Ajv's JSON Schema 2020-12 dialect (OpenAPI 3.1's).
 *
 * For the operation a request reaches, a response must have:
 * - a status the operation lists;
 * - a content type the operation lists for that status (none for a 204);
 * - a body that matches the schema for that status (response objects are
 *   closed: an undocumented field is a mismatch);
 * - the headers the document marks required, and every documented header of
 *   its type (`Retry-After` a whole number of seconds).
 *
 * Out of the contract on purpose, because no operation is reached: a path
 * the API doesn't have (404 `not_found`), a method a known path doesn't take
 * (405 `method_not_allowed` with `Allow`) and a CORS preflight (OPTIONS, 204
 * with `Access-Control-Allow-Methods`, only for an origin in CORS_ORIGINS).
 * For those the check asks exactly that. HEAD on a GET route is the GET's
 * status and headers, without a body.
 */
import Ajv2020 from "ajv/dist/2020";
import { OpenAPIBackend, type Document } from "openapi-backend";
import { expect } from "vitest";
import document from "../../functions/docs/public/openapi.json";
import { SELF } from "cloudflare:test";
import { api, apiWith, type ApiResponse, type CallOptions } from "./api";

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> };
const paths = (document as unknown as { paths: Record<string, Record<string, Operation>> }).paths;

let backend: Promise<OpenAPIBackend> | undefined;

function validator(): Promise<OpenAPIBackend> {
  backend ??= (async () => {
    const api = new OpenAPIBackend({
      definition: structuredClone(document) as unknown as Document,
      strict: true,
      // Quick: skips openapi-backend's own check of the document, which knows only
      // OpenAPI 3.0 (swagger-parser checks it as 3.1 in test/core/openapi.valid.test.ts).
      quick: true,
      customizeAjv: (_draft07, options) => {
        // OpenAPI 3.1's schemas are JSON Schema 2020-12; openapi-backend's default Ajv is draft-07.
        const ajv = new Ajv2020({ ...options, strict: true, allErrors: true });
        ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
        return ajv as never;
      },
    });
    await api.init();
    // Every schema compiled now, so a schema Ajv refuses fails the first check, whichever operation it belongs to.
    api.validator.preCompileResponseValidators();
    api.validator.preCompileResponseHeaderValidators();
    return api;
  })();
  return backend;
}

/**
 * The operation a request reaches, matched as Hono routes it: exact path, a
 * template segment per `{param}`. `url` is a path and query, as api() takes it.
 */
export function operationOf(method: string, url: string): { operationId: string; operation: Operation } | undefined {
  // The router sees methods upper-cased (a `patch` reaches PATCH /auth/me).
  const name = method.toUpperCase();
  const routed = name === "HEAD" ? "GET" : name;
  let path = new URL(`http://auth.test${url}`).pathname; // as api() builds it
  try {
    path = decodeURI(path);
  } catch {
    // Left encoded, as the router leaves it.
  }
  for (const [template, operations] of Object.entries(paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^/}]+\}/g, "[^/]+")}$`);
    if (!pattern.test(path)) continue;
    for (const [key, operation] of Object.entries(operations)) {
      if (key.toUpperCase() === routed) return { operationId: operation.operationId, operation };
    }
  }
  return undefined;
}

/** Every way `response` differs from the document, for `method url`; empty when it is as documented. */
export async function contractMismatches(method: string, url: string, response: ApiResponse): Promise<string[]> {
  const head = method.toUpperCase() === "HEAD";
  const match = operationOf(method, url);
  const contentType = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? null;
  if (!match) {
    // No operation: only "no such route" and "not with this method" may answer.
    if (method.toUpperCase() === "OPTIONS" && response.status === 204) {
      return response.headers.get("access-control-allow-methods") ? [] : ["204 to OPTIONS that is no CORS preflight answer"];
    }
    if (response.status === 404) return head || response.body?.error?.code === "not_found" ? [] : ["404 without code not_found"];
    if (response.status === 405) {
      const problems = response.headers.get("allow") ? [] : ["405 without an Allow header"];
      if (!head && response.body?.error?.code !== "method_not_allowed") problems.push("405 without code method_not_allowed");
      return problems;
    }
    return [`no operation takes ${method} ${url.slice(0, 200)}, yet it answered ${response.status}`];
  }
  const { operationId, operation } = match;
  const documented = operation.responses[String(response.status)];
  if (!documented) return [`${operationId}: status ${response.status} is not documented (documented: ${Object.keys(operation.responses).join(", ")})`];
  const problems: string[] = [];
  const api = await validator();
  const headers = Object.fromEntries(response.headers);
  const headerCheck = api.validator.validateResponseHeaders(headers, operationId, { statusCode: response.status });
  for (const error of headerCheck.errors ?? []) problems.push(`${operationId} ${response.status} header ${error.instancePath} ${error.message}`);
  // openapi-backend checks a header's type when present; whether it must be present is the document's `required`.
  const resolved = api.router.getOperation(operationId)?.responses?.[String(response.status)] as { headers?: Record<string, { required?: boolean }> } | undefined;
  for (const [name, header] of Object.entries(resolved?.headers ?? {})) {
    if (header.required && !response.headers.has(name)) problems.push(`${operationId} ${response.status}: no ${name} header`);
  }
  if (!documented.content) {
    if (!head && response.body !== "") problems.push(`${operationId} ${response.status}: documented without a body, but one came`);
    return problems;
  }
  if (!contentType || !(contentType in documented.content)) {
    problems.push(`${operationId} ${response.status}: content type ${contentType} is not one of ${Object.keys(documented.content).join(", ")}`);
    return problems;
  }
  if (head) return problems;
  const bodyCheck = api.validator.validateResponse(response.body, operationId, response.status);
  for (const error of bodyCheck.errors ?? []) {
    const detail = error.keyword === "additionalProperties" ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : "";
    problems.push(`${operationId} ${response.status} body${error.instancePath} ${error.message}${detail}`);
  }
  return problems;
}

/** Fails the test when `response` is not what the document says `method url` answers. */
export async function expectContract(method: string, url: string, response: ApiResponse): Promise<void> {
  const problems = await contractMismatches(method, url, response);
  const seen = `${method} ${url.slice(0, 200)} → ${response.status} ${JSON.stringify(response.body)?.slice(0, 400)}`;
  expect(problems, `the answer differs from openapi.json: ${seen}`).toEqual([]);
}

/** api(), and the answer checked against the document. */
export async function checkedApi(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  const response = await api(method, path, options);
  await expectContract(method, path, response);
  return response;
}

/** apiWith(), and the answer checked against the document. */
export async function checkedApiWith(overrides: Parameters<typeof apiWith>[0], method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  const response = await apiWith(overrides, method, path, options);
  await expectContract(method, path, response);
  return response;
}

/** A fetch for a client under test: the worker's own (SELF), every answer checked against the document. */
export function checkedFetch(): (input: Request | string | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await SELF.fetch(request);
    const text = await response.clone().text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Left as text, as api() leaves it.
    }
    const url = new URL(request.url);
    await expectContract(request.method, url.pathname + url.search, { status: response.status, headers: response.headers, body });
    return response;
  };
}
