/** The Cron Trigger (`[triggers] crons` in wrangler.toml): deletes expired state in bounded batches. */
import { cleanupExpired } from "./core/cleanup";
import { loadDatabaseConfig, type RawEnv } from "./core/config";
import { openDatabase } from "../db/client";
import { postgresStore } from "../db/store";

export async function cleanup(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  const database = openDatabase(loadDatabaseConfig(env as unknown as RawEnv));
  try {
    const deleted = await cleanupExpired(postgresStore(database.db));
    console.log(JSON.stringify({ level: "info", msg: "cleanup", cron: controller.cron, ...deleted, duration_ms: Date.now() - started, db_statements: database.statements() }));
  } finally {
    ctx.waitUntil(database.close());
  }
}
