/**
 * The OpenAPI 3.1 document, built from ./routes.ts: request schemas are the
 * ones the functions validate with, responses come from ./schemas.ts, and every
 * status a route can answer is listed with its error codes (from the one error
 * registry). Built at build time (`npm run docs`) and served as a static asset,
 * so it costs the request path nothing.
 */
import * as z from "zod/mini";
import { ERRORS, type ErrorCode } from "../core/errors";
import type { RouteDoc } from "./routes";
import { ErrorBody } from "./schemas";

type Json = Record<string, unknown>;

/**
 * A request schema as "input": what a client sends (defaults optional,
 * transforms not yet applied). A response schema as "output": objects closed
 * (`additionalProperties: false`), so a field the service sends but the
 * document doesn't name fails the contract check instead of going unseen.
 */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output" = "input"): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

/** Sent on every answer that lists them (the contract check in the tests holds the service to `required`). */
const HEADERS: Record<string, Json> = {
  "X-Request-Id": { description: "The request's id, also in its log line; quote it to support.", required: true, schema: { type: "string" } },
  "Retry-After": { description: "Seconds to wait before trying again.", required: true, schema: { type: "integer", minimum: 1 } },
  "WWW-Authenticate": { description: "The Bearer challenge (RFC 6750); `error=\"invalid_token\"` when a token was refused.", required: true, schema: { type: "string" } },
};

/** Which errors a route can answer: its own, then the ones its shape implies. */
function errorsOf(route: RouteDoc): Map<number, ErrorCode[]> {
  const list: [ErrorCode, number][] = route.errors.map((e) => (Array.isArray(e) ? e : [e, ERRORS[e].status]));
  if (route.body) list.push(["invalid_request", 400], ["invalid_json", 400], ["payload_too_large", 413], ["unsupported_media_type", 415]);
  if (route.query) list.push(["invalid_request", 400]);
  if (route.auth === "bearer" || route.auth === "recent") list.push(["invalid_token", 401]);
  if (route.auth === "recent") list.push(["reauthentication_required", 403]);
  list.push(["internal_error", 500]);
  if (route.path !== "/health" && route.path !== "/health/deep") list.push(["service_unavailable", 503]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const [code, status] of list) {
    const codes = byStatus.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    byStatus.set(status, codes);
  }
  return byStatus;
}

function errorResponse(status: number, codes: ErrorCode[]): Json {
  // The codes this status can carry, so a generated client narrows `error.code` to them.
  // A 500 lists none: it also names a misconfigured variable (missing_<variable>, invalid_<variable>).
  const codeSchema = {
    type: "object",
    required: ["error"],
    properties: { error: { type: "object", required: ["code"], properties: { code: { type: "string", enum: codes } } } },
  };
  const headers: Json = { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } };
  if (status === 429 || status === 503 || status === 502) headers["Retry-After"] = { $ref: "#/components/headers/Retry-After" };
  if (status === 401) headers["WWW-Authenticate"] = { $ref: "#/components/headers/WWW-Authenticate" };
  return {
    description: codes.map((c) => `\`${c}\`: ${ERRORS[c].message}`).join(" "),
    headers,
    content: {
      "application/json": {
        schema: status === 500 ? { $ref: "#/components/schemas/Error" } : { allOf: [{ $ref: "#/components/schemas/Error" }, codeSchema] },
        example: { error: { code: codes[0], message: ERRORS[codes[0]!].message } },
      },
    },
  };
}

function parameters(route: RouteDoc): Json[] {
  const params: Json[] = [];
  for (const [name, description] of Object.entries(route.pathParams ?? {})) {
    params.push({ name, in: "path", required: true, description, schema: { type: "string", format: "uuid" } });
  }
  for (const [name, { description, schema }] of Object.entries(route.headers ?? {})) {
    params.push({ name, in: "header", required: false, description, schema });
  }
  if (route.query) {
    const schema = jsonSchema(route.query);
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((schema.properties as Json) ?? {})) {
      params.push({ name, in: "query", required: required.has(name), schema: property });
    }
  }
  return params;
}

function operation(route: RouteDoc): Json {
  const responses: Json = {};
  const requestId = { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } };
  responses[String(route.success.status)] = route.success.schema
    ? {
        description: route.success.description,
        headers: requestId,
        content: { "application/json": { schema: jsonSchema(route.success.schema, "output"), ...(route.success.example ? { example: route.success.example } : {}) } },
      }
    : { description: route.success.description, headers: requestId };
  if (route.also) {
    responses[String(route.also.status)] = { description: route.also.description, headers: requestId, content: { "application/json": { schema: jsonSchema(route.also.schema, "output") } } };
  }
  for (const [status, codes] of [...errorsOf(route)].sort(([a], [b]) => a - b)) {
    if (responses[String(status)]) continue;
    responses[String(status)] = errorResponse(status, codes);
  }
  const op: Json = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.auth ? { security: [{ [route.auth === "health" ? "healthToken" : "bearerAuth"]: [] }] } : { security: [] }),
    ...(parameters(route).length ? { parameters: parameters(route) } : {}),
    responses,
  };
  if (route.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(route.body), ...(route.requestExample ? { example: route.requestExample } : {}) } },
    };
  }
  if (route.auth === "recent") op.description = `${op.description ? `${op.description} ` : ""}Needs a recent sign-in: the token's auth_time within REAUTH_MAX_AGE_SECONDS (10 minutes by default).`;
  return op;
}

export function buildOpenApi(routes: RouteDoc[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: "3.1.0",
    info: {
      title: "Innovation.ia Auth",
      version,
      description:
        "Sign-in with a second factor: e-mail or SMS codes, authenticator apps (TOTP) and recovery codes; JWT access tokens (RFC 9068) and rotating refresh tokens; password reset, sessions and a security log. Every error is `{\"error\": {\"code\", \"message\", ...}}`; its codes are listed per status. On routes with a bearer token, 401 means only that the token is missing, invalid, expired or its session ended.",
    },
    servers: [{ url: "/" }],
    tags: ["Sign-in", "Second factors", "Account", "Password", "Sessions", "Security log", "Keys", "Health"].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access token from /auth/2fa/verify or /auth/token/refresh." },
        healthToken: { type: "http", scheme: "bearer", description: "HEALTH_DEEP_TOKEN." },
      },
      headers: HEADERS,
      schemas: { Error: jsonSchema(ErrorBody, "output") },
    },
  };
}
