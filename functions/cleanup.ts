/** The Cron Trigger (`[triggers] crons` in wrangler.toml): deletes expired state in bounded batches. */
import { cleanupExpired } from "./core/cleanup";
import { loadDatabaseConfig, type RawEnv } from "./core/config";
import { openDatabase } from "../db/client";
import { postgresStore } from "../db/store";
import { describeError, reportError } from "./monitoring";

export async function cleanup(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  const database = openDatabase(loadDatabaseConfig(env as unknown as RawEnv));
  try {
    const deleted = await cleanupExpired(postgresStore(database.db));
    console.log(JSON.stringify({ level: "info", msg: "cleanup", cron: controller.cron, ...deleted, duration_ms: Date.now() - started, db_statements: database.statements() }));
  } catch (error) {
    console.error(JSON.stringify({ level: "error", msg: "cleanup_failed", error: describeError(error) }));
    const monitor = env as unknown as { SENTRY_DSN?: string; ENVIRONMENT?: string };
    reportError({ dsn: monitor.SENTRY_DSN, environment: monitor.ENVIRONMENT }, error, { cron: controller.cron }, ctx);
    throw error;
  } finally {
    ctx.waitUntil(database.close());
  }
}
