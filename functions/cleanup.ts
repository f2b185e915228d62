/**
 * The Cron Trigger (`[triggers] crons` in wrangler.toml): deletes expired state
 * in bounded batches, and re-encrypts authenticator secrets after a
 * FACTOR_ENCRYPTION_KEY rotation.
 */
import { cleanupExpired } from "./core/cleanup";
import { resealFactors } from "./core/factors/reseal";
import { describeError } from "./monitoring";
import { wire } from "./wiring";

export async function cleanup(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  const wiring = wire(env, ctx, { cron: controller.cron });
  try {
    const config = wiring.config();
    const deleted = await cleanupExpired(wiring.store(), config.eventsRetentionDays);
    const resealed = await resealFactors(config, wiring.store());
    wiring.log("info", "cleanup", { ...deleted, factors_resealed: resealed.resealed, factors_to_reseal: resealed.remaining, duration_ms: Date.now() - started, db_statements: wiring.statements() });
  } catch (error) {
    wiring.log("error", "cleanup_failed", { error: describeError(error) });
    wiring.report(error, { cron: controller.cron });
    throw error;
  } finally {
    ctx.waitUntil(wiring.close());
  }
}
