/**
 * The per-invocation database client: Neon's HTTP path (`neon()` with
 * drizzle-orm/neon-http). Each statement is one HTTP request to Neon's SQL
 * endpoint, which runs it on a pooled session: one round trip per statement,
 * no connection or session to open first, and nothing to close afterwards.
 * Every store method is already one statement with no interactive transaction,
 * which is what this path serves (README, "Dependencies", has the measurements).
 *
 * Made per invocation from its bindings, never cached: the handle holds the
 * invocation's statement count and deadline.
 */
import { neon, neonConfig, NeonDbError, type NeonQueryFunction } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { DatabaseConfig } from "../functions/core/config";
import { DatabaseUnavailableError } from "../functions/core/errors";
import * as schema from "./schema";

/** The Drizzle handle; `$client.query(text, params)` is the raw path, with the same deadline and count. */
export type Db = NeonHttpDatabase<typeof schema> & { $client: NeonQueryFunction<false, false> };

export interface RequestDatabase {
  /** The Drizzle handle. */
  db: Db;
  /** Statements sent so far: the figure budgets and request logs report. */
  statements(): number;
}

/** Neon's own endpoint for a connection string's host: what production uses. */
const NEON_FETCH_ENDPOINT = neonConfig.fetchEndpoint;

/**
 * SQLSTATEs that mean "cannot serve now", not "this statement is wrong": class 53
 * (insufficient resources, 53300 too many connections), 57P01-57P03 (the server
 * shutting down or starting up) and class 08 (connection exceptions).
 */
const UNAVAILABLE_SQLSTATE = /^(53[0-9A-Z]{3}|57P0[1-3]|08[0-9A-Z]{3})$/;

/**
 * Sorts a failed statement: a DatabaseUnavailableError when the database is away
 * or saturated, otherwise the error itself (a bug or a constraint: a 500).
 * neon() throws NeonDbError for everything it decides: a Postgres error with its
 * SQLSTATE (HTTP 400 from the endpoint), "Error connecting to database" when the
 * fetch failed (refused, reset, aborted), "Server error (HTTP status N)" when the
 * endpoint could not reach Postgres. Anything else was thrown while reading the
 * answer: the connection dropped half-way.
 */
export function classify(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return new DatabaseUnavailableError("timeout");
  if (!(error instanceof NeonDbError)) return error instanceof Error ? new DatabaseUnavailableError("unreachable") : error;
  const code = typeof error.code === "string" ? error.code : "";
  if (code) return UNAVAILABLE_SQLSTATE.test(code) ? new DatabaseUnavailableError("sqlstate", code) : error;
  if (error.message.startsWith("Error connecting to database")) return new DatabaseUnavailableError("unreachable");
  const status = error.message.match(/^Server error \(HTTP status (\d{3})\)/)?.[1];
  if (status && (Number(status) >= 500 || status === "429")) return new DatabaseUnavailableError("edge_error", status);
  return error;
}

/**
 * Opens the invocation's database. `deadline` (ms since the epoch), when given,
 * bounds all of its statements together: an HTTP request's database work ends
 * within DATABASE_TIMEOUT_MS of the request's start, however many statements it
 * makes. Without it (the queue consumer, the cron) each statement gets
 * DATABASE_TIMEOUT_MS of its own.
 */
export function openDatabase(config: DatabaseConfig, deadline?: number): RequestDatabase {
  const sql = neon(config.url);
  let statements = 0;

  const query = (text: string, params?: unknown[], options?: Parameters<typeof sql.query>[2]) => {
    statements++;
    const timeoutMs = deadline === undefined ? config.timeoutMs : Math.min(config.timeoutMs, deadline - Date.now());
    if (timeoutMs <= 0) return Promise.reject(new DatabaseUnavailableError("timeout"));
    const signal = AbortSignal.timeout(timeoutMs);
    // @neondatabase/serverless 1.2 reads the endpoint only from its global
    // config (a `neon()` option is ignored). Set it, then start the query in the
    // same synchronous step (`then` runs the fetch's first part at once), so a
    // parallel request cannot swap it in between. Unset means Neon's own.
    neonConfig.fetchEndpoint = config.httpEndpoint ?? NEON_FETCH_ENDPOINT;
    return sql.query(text, params, { ...options, fetchOptions: { ...options?.fetchOptions, signal } }).then(
      (result) => result,
      (error: unknown) => {
        throw classify(error, signal);
      },
    );
  };

  // drizzle calls `client.query(text, params, options)`; the rest of the neon()
  // function is unchanged. db.batch() is not routed here: nothing uses it, and
  // it would need the same deadline before it could be.
  const client = new Proxy(sql, {
    get: (target, property, receiver) => (property === "query" ? query : Reflect.get(target, property, receiver)),
  });
  return { db: drizzle({ client, schema }), statements: () => statements };
}
