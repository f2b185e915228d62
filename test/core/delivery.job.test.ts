// Property: a queued code travels sealed (AES-GCM under a subkey of SECRET_KEY,
// bound to its challenge and send number) and opens only unaltered, under that
// key, for that send. The consumer sends each send at most once and says what
// the queue should do: sent (recorded with the provider's id), skipped (cannot be
// opened, already sent, superseded, expired or used), retry after the lease when
// another consumer holds the send, retry with backoff when the provider fails or
// the channel is not configured (recorded as failed). A job that exhausted its
// retries revokes its challenge.
import { describe, expect, it } from "vitest";
import { register } from "../../functions/core/account/register";
import { fromBase64Url, toBase64Url } from "../../functions/core/crypto";
import { abandonDeliveryJob, DELIVERY_LEASE_SECONDS, openJob, retryDelaySeconds, runDeliveryJob, sealJob, type DeliveryJob } from "../../functions/core/delivery/job";
import { login } from "../../functions/core/signin/login";
import { resend } from "../../functions/core/signin/resend";
import { verify } from "../../functions/core/signin/verify";
import { codeIn, coreConfig, coreWorld, expectAuthError, type CoreWorld } from "../support/core";

const key = coreConfig().secretKey;

async function queuedLogin(world: CoreWorld, options: { email?: string; phone?: string; channel?: "email" | "sms" } = {}) {
  const user = await register(world.deps, { email: options.email ?? `user-${crypto.randomUUID()}@example.test`, password: "correct horse battery staple", phone: options.phone });
  const view = await login(world.deps, { email: user.email, password: "correct horse battery staple", channel: options.channel ?? "email" });
  return { user, challengeId: view.challenge_id, job: world.codeJobs().at(-1)! };
}

const run = (world: CoreWorld, job: DeliveryJob) => runDeliveryJob({ config: world.config, store: world.store, log: world.deps.log }, job);

describe("sealed jobs", () => {
  it("open to the code they sealed, and never show it", async () => {
    const job = await sealJob(key, crypto.randomUUID(), 1, "042917");
    expect(job).toEqual({ v: 1, challengeId: job.challengeId, send: 1, sealed: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
    expect(JSON.stringify(job)).not.toContain("042917");
    expect(await openJob(key, job)).toBe("042917");
  });

  it("do not open tampered, under another key, or for another challenge or send", async () => {
    const job = await sealJob(key, crypto.randomUUID(), 2, "123456");
    const bytes = fromBase64Url(job.sealed);
    bytes[bytes.length - 1]! ^= 0x01;
    expect(await openJob(key, { ...job, sealed: toBase64Url(bytes) })).toBeNull();
    expect(await openJob(coreConfig({ SECRET_KEY: "another-secret-key-0123456789abcdefghijklmnopq" }).secretKey, job)).toBeNull();
    expect(await openJob(key, { ...job, challengeId: crypto.randomUUID() })).toBeNull();
    expect(await openJob(key, { ...job, send: 3 })).toBeNull();
    expect(await openJob(key, { ...job, sealed: "!!" })).toBeNull();
  });
});

describe("the delivery consumer", () => {
  it("sends a job once, records the provider's id, and skips it when delivered again", async () => {
    const world = coreWorld();
    const { user, challengeId, job } = await queuedLogin(world);
    expect(await run(world, job)).toEqual({ result: "sent" });
    expect(world.sent).toEqual([expect.objectContaining({ provider: "sendgrid", to: user.email })]);
    expect(world.tables.challenges.get(challengeId)).toMatchObject({ deliveryStatus: "sent", deliveredSend: 1, providerMessageId: expect.stringMatching(/^sg-/) });
    expect(await run(world, job)).toMatchObject({ result: "skipped" });
    expect(world.sent).toHaveLength(1);
    expect((await verify(world.deps, { challengeId, code: codeIn(world.sent[0]!.text) })).token_type).toBe("Bearer");
  });

  it("sends an SMS through Twilio", async () => {
    const world = coreWorld();
    const { job } = await queuedLogin(world, { phone: "+5511987654321", channel: "sms" });
    expect(await run(world, job)).toEqual({ result: "sent" });
    expect(world.sent).toEqual([expect.objectContaining({ provider: "twilio", to: "+5511987654321" })]);
  });

  it("skips a job it cannot open, without claiming anything", async () => {
    const world = coreWorld();
    const { challengeId, job } = await queuedLogin(world);
    const bytes = fromBase64Url(job.sealed);
    bytes[0]! ^= 0x01;
    expect(await run(world, { ...job, sealed: toBase64Url(bytes) })).toMatchObject({ result: "skipped" });
    expect(world.tables.challenges.get(challengeId)!.deliveryAttempts).toBe(0);
  });

  it("asks for a retry after the lease when another consumer holds the send", async () => {
    const world = coreWorld();
    const { challengeId, job } = await queuedLogin(world);
    expect(await world.store.claimDelivery(challengeId, 1, DELIVERY_LEASE_SECONDS)).toMatchObject({ status: "claimed" });
    expect(await run(world, job)).toEqual({ result: "retry", reason: expect.any(String), delaySeconds: DELIVERY_LEASE_SECONDS });
    expect(world.sent).toHaveLength(0);
    world.advance(DELIVERY_LEASE_SECONDS + 1);
    expect(await run(world, job)).toEqual({ result: "sent" });
  });

  it("asks for a retry with backoff when the provider fails, recording the failure", async () => {
    const world = coreWorld();
    const { challengeId, job } = await queuedLogin(world, { email: `fail-${crypto.randomUUID()}@example.test` });
    const outcome = await run(world, job);
    expect(outcome).toEqual({ result: "retry", reason: "SendGrid answered HTTP 500" });
    expect(world.tables.challenges.get(challengeId)).toMatchObject({ deliveryStatus: "failed", deliveryError: "SendGrid answered HTTP 500", deliveryClaimedAt: null });
  });

  it("asks for a retry when the channel is not configured, recording why", async () => {
    const world = coreWorld();
    const { challengeId, job } = await queuedLogin(world, { phone: "+5511987654321", channel: "sms" });
    const unconfigured = { ...world.config, twilio: undefined };
    expect(await runDeliveryJob({ config: unconfigured, store: world.store, log: world.deps.log }, job)).toEqual({ result: "retry", reason: "sms is not configured" });
    expect(world.tables.challenges.get(challengeId)).toMatchObject({ deliveryStatus: "failed", deliveryError: "sms is not configured" });
  });

  it("skips a send superseded by a resend, and one for a used or expired challenge", async () => {
    const world = coreWorld();
    const first = await queuedLogin(world);
    world.advance(60);
    await resend(world.deps, { challengeId: first.challengeId });
    expect(await run(world, first.job)).toMatchObject({ result: "skipped" });
    expect(await run(world, world.jobs.at(-1)!)).toEqual({ result: "sent" });
    const used = await queuedLogin(world);
    await world.store.revokeChallenge(used.challengeId);
    expect(await run(world, used.job)).toMatchObject({ result: "skipped" });
    const expired = await queuedLogin(world);
    world.advance(300);
    expect(await run(world, expired.job)).toMatchObject({ result: "skipped" });
    expect(world.sent).toHaveLength(1);
  });

  it("revokes the challenge of a job that exhausted its retries", async () => {
    const world = coreWorld();
    const { challengeId, job } = await queuedLogin(world);
    await abandonDeliveryJob({ config: world.config, store: world.store, log: world.deps.log }, job);
    expect(world.tables.challenges.get(challengeId)).toMatchObject({ deliveryStatus: "failed", deliveryError: "gave up after retries" });
    expect(world.logs.find((l) => l.msg === "delivery_abandoned")).toMatchObject({ level: "warn", fields: { challenge_id: challengeId, send: 1 } });
    await expectAuthError(verify(world.deps, { challengeId, code: await world.queuedCode() }), "challenge_expired");
  });

  it("backs off exponentially from the base delay, to at most 5 minutes", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelaySeconds(attempt, 5))).toEqual([5, 10, 20, 40, 80]);
    expect(retryDelaySeconds(10, 5)).toBe(300);
    expect(retryDelaySeconds(0, 5)).toBe(5);
    expect(retryDelaySeconds(3, 0)).toBe(0);
  });
});
