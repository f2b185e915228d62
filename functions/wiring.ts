/**
 * The one place an invocation (an HTTP request, a queue batch, a cron run) gets
 * its configuration, database, store and logger, each built once and in one
 * way. Nothing is cached between invocations.
 */
import { openDatabase, type RequestDatabase } from "../db/client";
import { postgresStore } from "../db/store/index";
import { loadConfig, loadDatabaseConfig, loadMonitor, type Config } from "./core/config";
import type { DatabaseUnavailableError } from "./core/errors";
import type { AuthStore } from "./core/store";
import type { Log } from "./core/types";
import { reportDatabaseUnavailable, reportError } from "./monitoring";

export interface Wiring {
  /** Writes one JSON line with this invocation's fields (request id, queue, cron). */
  readonly log: Log;
  /** The full configuration, checked on first use; throws an AuthError naming the first bad variable. */
  config(): Config;
  /**
   * The store, opened on first use. It needs only the database settings, so
   * `/health` works even when another variable is wrong.
   */
  store(): AuthStore;
  /** Statements sent so far, for the log line and the statement budgets. */
  statements(): number;
  /** Sends an unexpected error to Sentry (when SENTRY_DSN is set), tagged. */
  report(error: unknown, tags: Record<string, string>): void;
  /**
   * Records that the database could not serve this invocation: one
   * `database_unavailable` log line and one Sentry event of that kind (grouped
   * apart from unexpected errors), however many statements failed.
   */
  databaseUnavailable(error: DatabaseUnavailableError, tags: Record<string, string>, options?: { report?: boolean }): void;
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

/**
 * Wires one invocation. `budget: "request"` gives all of its database work one
 * deadline, DATABASE_TIMEOUT_MS from now (an HTTP request); `"statement"` gives
 * each statement its own (a queue batch or a cron run works through many).
 */
export function wire(env: Env, background: Background, fields: Record<string, unknown>, budget: "request" | "statement" = "request"): Wiring {
  const opened = Date.now();
  const log = logger(fields);
  let config: Config | undefined;
  let database: RequestDatabase | undefined;
  let store: AuthStore | undefined;
  let unavailableSeen = false;
  return {
    log,
    config: () => (config ??= loadConfig(env)),
    store() {
      if (!database) {
        const settings = loadDatabaseConfig(env);
        database = openDatabase(settings, budget === "request" ? opened + settings.timeoutMs : undefined);
      }
      return (store ??= postgresStore(database.db));
    },
    statements: () => database?.statements() ?? 0,
    report: (error, tags) => reportError(loadMonitor(env), error, tags, background),
    databaseUnavailable(error, tags, { report = true } = {}) {
      if (unavailableSeen) return;
      unavailableSeen = true;
      log("warn", "database_unavailable", { reason: error.reason, ...(error.detail ? { detail: error.detail } : {}), ...tags });
      if (report) reportDatabaseUnavailable(loadMonitor(env), error, tags, background);
    },
  };
}
