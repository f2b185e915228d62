/**
 * The Hono glue every function shares: the request context (id, one log line,
 * security headers, the invocation's wiring), the dependencies of the core
 * flows, and the error handler. Handlers stay small: validate, call the core,
 * map the result.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { loadCorsOrigins } from "../core/config";
import { HTTPException } from "hono/http-exception";
import type { Deps } from "../core/deps";
import { AuthError, databaseUnavailable } from "../core/errors";
import { wire, type Wiring } from "../wiring";
import { describeError } from "../monitoring";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    wiring: Wiring;
    deps: Deps;
  };
}

export type AppContext = Context<AppEnv>;

/** A new Hono app for one function, with the shared error handling. */
export function createFunction(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  return app;
}

const SECURITY_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

/** The request's execution context, or undefined outside workerd's fetch (app.request in a unit test). */
function background(c: AppContext): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}

/**
 * Runs around every request: assigns the request id, wires the invocation,
 * writes one structured log line (route, status, duration, database statements;
 * never bodies) and sets the security headers.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
  const ctx = background(c);
  const wiring = wire(c.env, ctx, { request_id: requestId });
  c.set("requestId", requestId);
  c.set("wiring", wiring);
  try {
    await next();
  } finally {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
    c.res.headers.set("x-request-id", requestId);
    wiring.log("info", "request", {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      duration_ms: Date.now() - started,
      db_statements: wiring.statements(),
    });
  }
};

/**
 * The client's address for per-IP limits. Cloudflare sets CF-Connecting-IP and
 * overwrites any value a client sends; without it (local dev) every request
 * shares one bucket.
 */
export function clientIp(c: AppContext): string {
  const ip = c.req.header("cf-connecting-ip")?.trim().slice(0, 64) || "unknown";
  return ip.includes(":") ? ipv6Prefix(ip) : ip;
}

/** The eight groups of an IPv6 address, `::` expanded. */
function ipv6Groups(ip: string): string[] {
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  return tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
}

/**
 * The /64 of an IPv6 address: one subscriber usually holds a whole /64, so
 * counting full addresses would give each client 2^64 buckets.
 */
export function ipv6Prefix(ip: string): string {
  return `${ipv6Groups(ip).slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * What sessions and the security log keep of an address: its /24 (IPv4) or
 * /48 (IPv6), enough to tell a city or a provider, never the subscriber.
 */
export function storedIpPrefix(ip: string | undefined): string | null {
  if (!ip) return null;
  if (ip.includes(":")) return `${ipv6Groups(ip).slice(0, 3).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/48`;
  const octets = ip.split(".");
  return octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o)) ? `${octets.slice(0, 3).join(".")}.0/24` : null;
}

/** The user agent as stored: printable, at most 256 characters. */
export function storedUserAgent(ua: string | undefined): string | null {
  const clean = ua?.replace(/[^\x20-\x7e]/g, "").trim().slice(0, 256);
  return clean ? clean : null;
}

/** Gives the core flows their dependencies: the checked configuration, the store, the queue. */
export const flowDeps: MiddlewareHandler<AppEnv> = async (c, next) => {
  const wiring = c.get("wiring");
  const queue = c.env.DELIVERY_QUEUE;
  c.set("deps", {
    config: wiring.config(),
    store: wiring.store(),
    log: wiring.log,
    clientIp: clientIp(c),
    client: {
      ipPrefix: storedIpPrefix(c.req.header("cf-connecting-ip")?.trim().slice(0, 64)),
      userAgent: storedUserAgent(c.req.header("user-agent")),
    },
    enqueue: queue
      ? async (job) => {
          await queue.send(job, { contentType: "json" });
        }
      : undefined,
  });
  await next();
};

/**
 * The challenge every 401 carries (RFC 9110 §11.6.1). A bearer route that got a
 * token it refuses says so (RFC 6750 §3: `error="invalid_token"`); with no
 * token at all, the challenge alone.
 */
export function wwwAuthenticate(c: AppContext, error: AuthError): string {
  const presented = c.req.header("authorization") !== undefined;
  return error.kind === "invalid_token" && presented ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`;
}

const REALM = "innovation-ia-auth";

/**
 * Turns every error into the documented JSON shape. Unknown errors never show
 * their stack. A database that is away or saturated is not a bug: 503 with
 * Retry-After, one `database_unavailable` line, and its own kind in Sentry.
 */
export function handleError(error: Error, c: AppContext): Response {
  const wiring = c.get("wiring");
  const unavailable = databaseUnavailable(error);
  if (unavailable) {
    wiring?.databaseUnavailable(unavailable, { request_id: c.get("requestId") ?? "none", route: c.req.routePath });
    error = unavailable.toAuthError();
  }
  if (error instanceof AuthError) {
    if (error.status >= 500 && !unavailable) wiring?.log("error", "request_failed", { error_code: error.code });
    const headers = error.status === 401 ? { ...error.headers, "www-authenticate": wwwAuthenticate(c, error) } : error.headers;
    return c.json(error.toBody(), error.status as 400, headers);
  }
  if (error instanceof HTTPException) {
    const kind = error.status === 413 ? "payload_too_large" : error.status === 404 ? "not_found" : "invalid_request";
    return c.json(new AuthError(kind, {}, { status: error.status }).toBody(), error.status);
  }
  const requestId = c.get("requestId");
  wiring?.log("error", "unhandled_error", { error: describeError(error) });
  wiring?.report(error, { request_id: requestId ?? "none", route: c.req.routePath });
  return c.json(new AuthError("internal_error", { request_id: requestId }).toBody(), 500);
}

/** 404 in the same JSON shape as every other error. */
export function notFound(c: AppContext): Response {
  return c.json(new AuthError("not_found").toBody(), 404);
}

/** 405 on a known path with another method, with the `Allow` header (RFC 9110 §15.5.6). */
export function methodNotAllowedResponse(c: AppContext, methods: string[]): Response {
  return c.json(new AuthError("method_not_allowed", { allow: methods }).toBody(), 405, { allow: methods.join(", ") });
}

/**
 * CORS for browser apps on the origins in CORS_ORIGINS, exactly; none by
 * default. No credentials mode: tokens travel in bodies and the Authorization
 * header, never in cookies. A malformed CORS_ORIGINS allows no origin (and logs).
 */
export const corsPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  let origins: string[];
  try {
    origins = loadCorsOrigins(c.env);
  } catch (error) {
    const errorCode = error instanceof AuthError ? error.code : "error"; // the registry's code, never the value
    c.get("wiring")?.log("warn", "cors_origins_invalid", { error_code: errorCode });
    origins = [];
  }
  if (origins.length === 0) return next();
  return cors({
    origin: (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["authorization", "content-type", "idempotency-key"],
    exposeHeaders: ["x-request-id", "retry-after", "www-authenticate"],
    maxAge: 600,
    credentials: false,
  })(c, next);
};
