// Property: queued delivery is durable and exactly-once per send. A provider that
// fails first and then succeeds gets the code exactly once, and the challenge
// records the delivery (status, provider message id). A duplicated job, a job
// superseded by a resend, and a job for an expired or used challenge send nothing.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../functions/core/crypto";
import type { CodeJob, DeliveryJob } from "../../functions/core/delivery/job";
import worker from "../../functions/index";
import { apiWith } from "../support/api";
import { deliveredTo, PASSWORD, registerUser, uniqueEmail, waitForDelivery } from "../support/flows";
import { sql } from "../support/sql";

/** Logs in with a queue that only records the job, so the test runs the consumer itself. */
async function loginCapturingJob(email: string) {
  const jobs: CodeJob[] = [];
  const queue = { send: async (job: CodeJob) => void jobs.push(job) };
  const login = await apiWith({ DELIVERY_QUEUE: queue as unknown as string }, "POST", "/auth/login", { body: { email, password: PASSWORD } });
  expect(login.status).toBe(202);
  expect(jobs).toHaveLength(1);
  return { challengeId: login.body.challenge_id as string, job: jobs[0]! };
}

async function consume(...jobs: DeliveryJob[]) {
  const batch = createMessageBatch("auth-delivery", jobs.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const challengeRow = async (id: string) =>
  (await sql<{ delivery_status: string; provider_message_id: string | null; delivered_send: number | null; delivery_attempts: number }>(
    "SELECT delivery_status, provider_message_id, delivered_send, delivery_attempts FROM challenges WHERE id = $1",
    [id],
  ))[0]!;

// The tests run at once: each signs in its own account, so none waits on another's round trips.
describe.concurrent("the delivery queue", () => {
  it("delivers exactly once through a provider that fails first, then succeeds", async () => {
    // The consumer is driven here, job by job, as the queue would redeliver it; the
    // real queue's retries and dead-letter path have their own test (delivery.channels).
    const user = await registerUser({ email: uniqueEmail("flaky") });
    const { challengeId, job } = await loginCapturingJob(user.email);
    expect((await consume(job)).retryMessages).toHaveLength(1);
    expect(await deliveredTo(user.email)).toHaveLength(0);
    expect((await consume(job)).explicitAcks).toHaveLength(1);
    // A redelivery after the success (the queue is at-least-once) sends nothing more.
    expect((await consume(job)).explicitAcks).toHaveLength(1);
    expect(await deliveredTo(user.email)).toHaveLength(1);
    const row = await challengeRow(challengeId);
    expect(row).toMatchObject({ delivery_status: "sent", delivered_send: 1, provider_message_id: expect.stringMatching(/^fake-sg-/) });
    expect(row.delivery_attempts).toBe(2);
  });

  it("sends a duplicated job once, and records the message id", async () => {
    const user = await registerUser();
    const { challengeId, job } = await loginCapturingJob(user.email);
    const first = await consume(job, job);
    expect(first.explicitAcks).toHaveLength(2);
    expect(first.retryMessages).toHaveLength(0);
    const again = await consume(job);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await deliveredTo(user.email)).toHaveLength(1);
    expect(await challengeRow(challengeId)).toMatchObject({ delivery_status: "sent", delivered_send: 1 });
  });

  it("does not send a job superseded by a resend, nor one for an expired or used challenge", async () => {
    const user = await registerUser();
    const { challengeId, job } = await loginCapturingJob(user.email);
    await sql("UPDATE challenges SET sends = sends + 1 WHERE id = $1", [challengeId]); // a resend happened
    await consume(job);
    expect(await deliveredTo(user.email)).toHaveLength(0);

    const other = await registerUser();
    const expired = await loginCapturingJob(other.email);
    await sql("UPDATE challenges SET expires_at = now() - interval '1 second' WHERE id = $1", [expired.challengeId]);
    await consume(expired.job);
    expect(await deliveredTo(other.email)).toHaveLength(0);

    const third = await registerUser();
    const used = await loginCapturingJob(third.email);
    await sql("UPDATE challenges SET consumed_at = now() WHERE id = $1", [used.challengeId]);
    await consume(used.job);
    expect(await deliveredTo(third.email)).toHaveLength(0);
  });

  it("retries, not drops, a job whose send another consumer is holding", async () => {
    const user = await registerUser();
    const { challengeId, job } = await loginCapturingJob(user.email);
    await sql("UPDATE challenges SET delivery_status = 'sending', delivery_claimed_at = now() WHERE id = $1", [challengeId]);
    const held = await consume(job);
    expect(held.retryMessages).toHaveLength(1);
    expect(held.explicitAcks).toHaveLength(0);
    expect(await deliveredTo(user.email)).toHaveLength(0);
    // Once the lease has run out, the retry takes the send over.
    await sql("UPDATE challenges SET delivery_claimed_at = now() - interval '31 seconds' WHERE id = $1", [challengeId]);
    const taken = await consume(job);
    expect(taken.explicitAcks).toHaveLength(1);
    expect(await deliveredTo(user.email)).toHaveLength(1);
  });

  it("retries a failed send with backoff instead of acknowledging it", async () => {
    const user = await registerUser({ email: uniqueEmail("fail") });
    const { challengeId, job } = await loginCapturingJob(user.email);
    const result = await consume(job);
    expect(result.retryMessages).toHaveLength(1);
    expect(await challengeRow(challengeId)).toMatchObject({ delivery_status: "failed" });
  });

  it("acknowledges and drops a malformed or tampered job without sending", async () => {
    const user = await registerUser();
    const { job } = await loginCapturingJob(user.email);
    // Flip one bit of the decoded bytes: editing the base64 text itself can leave the
    // bytes unchanged, since the last character's low bits are padding.
    const bytes = fromBase64Url(job.sealed);
    bytes[bytes.length - 1]! ^= 0x01;
    const tampered = { ...job, sealed: toBase64Url(bytes) };
    expect(tampered.sealed).not.toBe(job.sealed);
    const result = await consume(tampered, { nonsense: true } as unknown as DeliveryJob);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await deliveredTo(user.email)).toHaveLength(0);
  });

  it("never puts the code in clear on the queue", async () => {
    const user = await registerUser();
    const { job } = await loginCapturingJob(user.email);
    await consume(job);
    const [message] = await waitForDelivery(user.email, 1);
    const code = message!.text.match(/\b(\d{6})\b/)![1]!;
    expect(JSON.stringify(job)).not.toMatch(new RegExp(`\\b${code}\\b`));
  });
});
