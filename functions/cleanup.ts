/**
 * The Cron Trigger (`[triggers] crons` in wrangler.toml): deletes expired state
 * in bounded batches, and re-encrypts authenticator secrets after a
 * FACTOR_ENCRYPTION_KEY rotation. A database that is away is not a failure of
 * the run: what was done stays done, and the next run (15 minutes later) does
 * the rest.
 */
import { cleanupExpired } from "./core/cleanup";
import { databaseUnavailable } from "./core/errors";
import { resealFactors } from "./core/factors/reseal";
import { describeError } from "./monitoring";
import { wire } from "./wiring";

export async function cleanup(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  // Each statement gets DATABASE_TIMEOUT_MS of its own: a run deletes in many batches.
  const wiring = wire(env, ctx, { cron: controller.cron }, "statement");
  try {
    const config = wiring.config();
    const deleted = await cleanupExpired(wiring.store(), config.eventsRetentionDays);
    const resealed = await resealFactors(config, wiring.store());
    wiring.log("info", "cleanup", { ...deleted, factors_resealed: resealed.resealed, factors_to_reseal: resealed.remaining, duration_ms: Date.now() - started, db_statements: wiring.statements() });
  } catch (error) {
    const down = databaseUnavailable(error);
    if (down) {
      wiring.databaseUnavailable(down, { cron: controller.cron });
      wiring.log("info", "cleanup_deferred", { duration_ms: Date.now() - started, db_statements: wiring.statements() });
      return;
    }
    wiring.log("error", "cleanup_failed", { error: describeError(error) });
    wiring.report(error, { cron: controller.cron });
    throw error;
  }
}
