/** The Cron Trigger (`[triggers] crons` in wrangler.toml): deletes expired state in bounded batches. */
import { cleanupExpired } from "./core/cleanup";
import { describeError } from "./monitoring";
import { wire } from "./wiring";

export async function cleanup(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  const wiring = wire(env, ctx, { cron: controller.cron });
  try {
    const deleted = await cleanupExpired(wiring.store());
    wiring.log("info", "cleanup", { ...deleted, duration_ms: Date.now() - started, db_statements: wiring.statements() });
  } catch (error) {
    wiring.log("error", "cleanup_failed", { error: describeError(error) });
    wiring.report(error, { cron: controller.cron });
    throw error;
  } finally {
    ctx.waitUntil(wiring.close());
  }
}
