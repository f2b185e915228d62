/**
 * The delivery queue's consumer: sends the codes that login and resend queued.
 * Failures retry with exponential backoff; after the queue's max_retries a job
 * lands on the dead-letter queue, where the challenge is revoked. The work per
 * job (claim, send, record) lives in core/delivery/job.ts.
 *
 * A database that is away or saturated is not a failed delivery: nothing is
 * recorded on the challenge, the job is retried with the same backoff, and the
 * rest of the batch is retried without waiting on the database again.
 */
import * as z from "zod/mini";
import { abandonDeliveryJob, retryDelaySeconds, runDeliveryJob, type DeliveryJob } from "./core/delivery/job";
import { NOTICE_KINDS } from "./core/delivery/messages";
import { databaseUnavailable } from "./core/errors";
import { describeError } from "./monitoring";
import { wire } from "./wiring";

export const DELIVERY_QUEUE = "auth-delivery";
export const DEAD_LETTER_QUEUE = "auth-delivery-dlq";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const Meta = z.nullable(z.string().check(z.maxLength(256)));

/** The three kinds of job (core/delivery/job.ts): a code, a security notice, a failed sign-in to log. */
const Job = z.union([
  z.strictObject({
    v: z.literal(1),
    challengeId: z.string().check(z.regex(UUID)),
    send: z.number().check(z.int(), z.minimum(1)),
    sealed: z.string().check(z.maxLength(200)),
  }),
  z.strictObject({
    v: z.literal(1),
    kind: z.literal("notice"),
    userId: z.string().check(z.regex(UUID)),
    notice: z.enum(NOTICE_KINDS),
  }),
  z.strictObject({
    v: z.literal(1),
    kind: z.literal("login_failed"),
    email: z.string().check(z.maxLength(254)),
    ipPrefix: Meta,
    userAgent: Meta,
  }),
]);

/** What a log line may say of a job: never the sealed code, the e-mail or the user agent. */
function describeJob(job: DeliveryJob): Record<string, unknown> {
  return "kind" in job ? { job: job.kind } : { challenge_id: job.challengeId, send: job.send };
}

export async function deliveryConsumer(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const started = Date.now();
  // Each statement gets DATABASE_TIMEOUT_MS of its own: a batch works through many.
  const wiring = wire(env, ctx, { queue: batch.queue }, "statement");
  const { log } = wiring;
  const outcomes: Record<string, number> = {};
  try {
    const config = wiring.config();
    const deps = { config, store: wiring.store(), log };
    let databaseDown = false;
    // One at a time: a batch is at most 10 jobs.
    for (const message of batch.messages) {
      if (databaseDown) {
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, config.deliveryRetryBaseSeconds) });
        outcomes.database_unavailable = (outcomes.database_unavailable ?? 0) + 1;
        continue;
      }
      const parsed = Job.safeParse(message.body);
      if (!parsed.success) {
        log("error", "delivery_job_malformed", { message_id: message.id });
        message.ack();
        continue;
      }
      const job: DeliveryJob = parsed.data;
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
          const delaySeconds = outcome.delaySeconds ?? retryDelaySeconds(message.attempts, config.deliveryRetryBaseSeconds);
          log("warn", "delivery_retry", { ...describeJob(job), attempt: message.attempts, reason: outcome.reason, delay_s: delaySeconds });
          message.retry({ delaySeconds });
        } else {
          if (outcome.result === "skipped") log("info", "delivery_skipped", { ...describeJob(job), why: outcome.why });
          message.ack();
        }
      } catch (error) {
        const about: Record<string, string> = "kind" in job ? { job: job.kind } : { challenge_id: job.challengeId };
        const down = databaseUnavailable(error);
        if (down) {
          databaseDown = true;
          wiring.databaseUnavailable(down, { queue: batch.queue, ...about });
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts, config.deliveryRetryBaseSeconds) });
          outcomes.database_unavailable = (outcomes.database_unavailable ?? 0) + 1;
          continue;
        }
        // The runtime failed, not the provider: try again later.
        log("error", "delivery_job_error", { ...about, error: describeError(error) });
        wiring.report(error, { queue: batch.queue, ...about });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, config.deliveryRetryBaseSeconds) });
        outcomes.error = (outcomes.error ?? 0) + 1;
      }
    }
  } finally {
    log("info", "delivery_batch", { messages: batch.messages.length, ...outcomes, duration_ms: Date.now() - started, db_statements: wiring.statements() });
  }
}
