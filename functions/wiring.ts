/**
 * The one place an invocation (an HTTP request, a queue batch, a cron run) gets
 * its configuration, database, store and logger, each built once and in one
 * way. Nothing is cached between invocations: a database connection opened by
 * one request cannot be used by another in workerd.
 */
import { openDatabase, type RequestDatabase } from "../db/client";
import { postgresStore } from "../db/store/index";
import { loadConfig, loadDatabaseConfig, loadMonitor, type Config } from "./core/config";
import type { AuthStore } from "./core/store";
import type { Log } from "./core/types";
import { reportError } from "./monitoring";

export interface Wiring {
  /** Writes one JSON line with this invocation's fields (request id, queue, cron). */
  readonly log: Log;
  /** The full configuration, checked on first use; throws an AuthError naming the first bad variable. */
  config(): Config;
  /**
   * The store, on a connection opened on first use. It needs only the database
   * settings, so `/health` works even when another variable is wrong.
   */
  store(): AuthStore;
  /** Statements sent so far, for the log line and the statement budgets. */
  statements(): number;
  /** Sends an unexpected error to Sentry (when SENTRY_DSN is set), tagged. */
  report(error: unknown, tags: Record<string, string>): void;
  /** Ends the database connection, if one was opened; bounded. */
  close(): Promise<void>;
}

/** Something that outlives the response: `ctx.waitUntil`, when there is a context. */
type Background = { waitUntil(promise: Promise<unknown>): void } | undefined;

function logger(fields: Record<string, unknown>): Log {
  return (level, msg, extra = {}) => {
    const line = JSON.stringify({ level, msg, ...fields, ...extra });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
}

export function wire(env: Env, background: Background, fields: Record<string, unknown>): Wiring {
  let config: Config | undefined;
  let database: RequestDatabase | undefined;
  let store: AuthStore | undefined;
  return {
    log: logger(fields),
    config: () => (config ??= loadConfig(env)),
    store() {
      database ??= openDatabase(loadDatabaseConfig(env));
      return (store ??= postgresStore(database.db));
    },
    statements: () => database?.statements() ?? 0,
    report: (error, tags) => reportError(loadMonitor(env), error, tags, background),
    close: () => database?.close() ?? Promise.resolve(),
  };
}
