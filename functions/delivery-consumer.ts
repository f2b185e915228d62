/**
 * The delivery queue's consumer: sends the codes that login and resend queued.
 * Failures retry with exponential backoff; after the queue's max_retries a job
 * lands on the dead-letter queue, where the challenge is revoked. The work per
 * job (claim, send, record) lives in core/delivery/job.ts.
 */
import * as z from "zod/mini";
import { loadConfig, type RawEnv } from "./core/config";
import { abandonDeliveryJob, retryDelaySeconds, runDeliveryJob, type DeliveryJob } from "./core/delivery/job";
import type { Log } from "./core/flow";
import { openDatabase } from "../db/client";
import { postgresStore } from "../db/store";
import { describeError, reportError } from "./monitoring";

export const DELIVERY_QUEUE = "auth-delivery";
export const DEAD_LETTER_QUEUE = "auth-delivery-dlq";

const Job = z.object({
  v: z.literal(1),
  challengeId: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
  send: z.number().check(z.int(), z.minimum(1)),
  sealed: z.string().check(z.maxLength(200)),
});

function log(fields: Record<string, unknown>): Log {
  return (level, msg, extra = {}) => {
    const line = JSON.stringify({ level, msg, ...fields, ...extra });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
}

export async function deliveryConsumer(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  const batchLog = log({ queue: batch.queue });
  const config = loadConfig(env as unknown as RawEnv);
  const database = openDatabase(config.database);
  const deps = { config, store: postgresStore(database.db), log: batchLog };
  const baseDelay = Number((env as unknown as RawEnv).DELIVERY_RETRY_BASE_SECONDS ?? 5) || 0;
  const outcomes: Record<string, number> = {};
  try {
    // One at a time: a batch is at most 10 jobs, and one connection serves them all.
    for (const message of batch.messages) {
      const parsed = Job.safeParse(message.body);
      if (!parsed.success) {
        batchLog("error", "delivery_job_malformed", { message_id: message.id });
        message.ack();
        continue;
      }
      const job = parsed.data as DeliveryJob;
      try {
        if (batch.queue === DEAD_LETTER_QUEUE) {
          await abandonDeliveryJob(deps, job);
          message.ack();
          outcomes.abandoned = (outcomes.abandoned ?? 0) + 1;
          continue;
        }
        const outcome = await runDeliveryJob(deps, job);
        outcomes[outcome.result] = (outcomes[outcome.result] ?? 0) + 1;
        if (outcome.result === "retry") {
          const delaySeconds = outcome.delaySeconds ?? retryDelaySeconds(message.attempts, baseDelay);
          batchLog("warn", "delivery_retry", { challenge_id: job.challengeId, send: job.send, attempt: message.attempts, reason: outcome.reason, delay_s: delaySeconds });
          message.retry({ delaySeconds });
        } else {
          if (outcome.result === "skipped") batchLog("info", "delivery_skipped", { challenge_id: job.challengeId, send: job.send, why: outcome.why });
          message.ack();
        }
      } catch (error) {
        // The database or the runtime failed, not the provider: try again later.
        batchLog("error", "delivery_job_error", { challenge_id: job.challengeId, error: describeError(error) });
        reportError({ dsn: config.sentryDsn, environment: config.environment }, error, { queue: batch.queue, challenge_id: job.challengeId }, ctx);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, baseDelay) });
        outcomes.error = (outcomes.error ?? 0) + 1;
      }
    }
  } finally {
    ctx.waitUntil(database.close());
    batchLog("info", "delivery_batch", { messages: batch.messages.length, ...outcomes, duration_ms: Date.now() - started, db_statements: database.statements() });
  }
}
