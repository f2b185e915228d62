/**
 * The Hono glue every function shares: the request context (id, one log line,
 * security headers, the per-request database), the error handler, and the
 * dependencies of the auth flow. Handlers stay small: validate, call the core,
 * map the result.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { loadConfig, type DatabaseConfig } from "../core/config";
import { AuthError } from "../core/errors";
import type { FlowDeps, Log } from "../core/flow";
import { openDatabase, type RequestDatabase } from "../../db/client";
import { postgresStore } from "../../db/store";
import { describeError, reportError } from "../monitoring";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    log: Log;
    /** Set once a handler opens the database; closed after the response. */
    database?: RequestDatabase;
    deps: FlowDeps;
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

function logger(requestId: string): Log {
  return (level, msg, fields = {}) => {
    const line = JSON.stringify({ level, msg, request_id: requestId, ...fields });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
}

/**
 * Runs around every request: assigns the request id, writes one structured log
 * line (route, status, duration, database statements; never bodies), sets the
 * security headers and ends the database connection after the response.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
  const log = logger(requestId);
  c.set("requestId", requestId);
  c.set("log", log);
  try {
    await next();
  } finally {
    const database = c.get("database");
    if (database) {
      const closing = database.close();
      try {
        c.executionCtx.waitUntil(closing);
      } catch {
        // No execution context (app.request in a unit test): the close runs on its own.
      }
    }
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
    c.res.headers.set("x-request-id", requestId);
    log("info", "request", {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      duration_ms: Date.now() - started,
      db_statements: database?.statements() ?? 0,
    });
  }
};

/** Opens (once) the request's database connection. */
export function useDatabase(c: AppContext, config: DatabaseConfig): RequestDatabase {
  let database = c.get("database");
  if (!database) {
    database = openDatabase(config);
    c.set("database", database);
  }
  return database;
}

/**
 * The client's address for per-IP limits. Cloudflare sets CF-Connecting-IP and
 * overwrites any value a client sends; without it (local dev) every request
 * shares one bucket.
 */
export function clientIp(c: AppContext): string {
  const ip = c.req.header("cf-connecting-ip")?.trim().slice(0, 64) || "unknown";
  return ip.includes(":") ? ipv6Prefix(ip) : ip;
}

/**
 * The /64 of an IPv6 address: one subscriber usually holds a whole /64, so
 * counting full addresses would give each client 2^64 buckets.
 */
export function ipv6Prefix(ip: string): string {
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Loads and checks the configuration, and wires the flow to Postgres. */
export const flowDeps: MiddlewareHandler<AppEnv> = async (c, next) => {
  const config = loadConfig(c.env as unknown as Record<string, unknown>);
  const database = useDatabase(c, config.database);
  const queue = c.env.DELIVERY_QUEUE;
  c.set("deps", {
    config,
    store: postgresStore(database.db),
    log: c.get("log"),
    clientIp: clientIp(c),
    enqueue: queue
      ? async (job) => {
          await queue.send(job, { contentType: "json" });
        }
      : undefined,
  });
  await next();
};

/** Turns every error into the documented JSON shape. Unknown errors never show their stack. */
export function handleError(error: Error, c: AppContext): Response {
  if (error instanceof AuthError) {
    if (error.status >= 500) c.get("log")?.("error", "request_failed", { code: error.code });
    return c.json(error.toBody(), error.status as 400, error.headers);
  }
  if (error instanceof HTTPException) {
    const kind = error.status === 413 ? "payload_too_large" : error.status === 404 ? "not_found" : "invalid_request";
    return c.json(new AuthError(kind, {}, { status: error.status }).toBody(), error.status);
  }
  const requestId = c.get("requestId");
  c.get("log")?.("error", "unhandled_error", { error: describeError(error) });
  let ctx;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  const env = c.env as unknown as { SENTRY_DSN?: string; ENVIRONMENT?: string };
  reportError({ dsn: env.SENTRY_DSN, environment: env.ENVIRONMENT }, error, { request_id: requestId ?? "none", route: c.req.routePath }, ctx);
  return c.json(new AuthError("internal_error", { request_id: requestId }).toBody(), 500);
}

/** 404 in the same JSON shape as every other error. */
export function notFound(c: AppContext): Response {
  return c.json(new AuthError("not_found").toBody(), 404);
}
