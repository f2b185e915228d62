// Property: resend maps each outcome of the store's renewal to its answer: inside
// the cooldown resend_too_soon with Retry-After; past the challenge's send cap
// rate_limited with Retry-After = the cooldown; over the account's code limit
// rate_limited; a dead challenge challenge_expired. A renewal sends a new code
// (as send 2, 3...) that replaces the old one. With no channel deliverable,
// nothing is renewed.
import { describe, expect, it } from "vitest";
import { register } from "../../functions/core/account/register";
import { resend } from "../../functions/core/signin/resend";
import { login } from "../../functions/core/signin/login";
import { verify } from "../../functions/core/signin/verify";
import { coreWorld, countingStore, expectAuthError, type CoreWorld } from "../support/core";

async function challenge(world: CoreWorld) {
  const user = await register(world.deps, { email: `user-${crypto.randomUUID()}@example.test`, password: "correct horse battery staple" });
  const view = await login(world.deps, { email: user.email, password: "correct horse battery staple", channel: "email" });
  return { user, challengeId: view.challenge_id, code: await world.queuedCode() };
}

describe("resend", () => {
  it("is resend_too_soon inside the cooldown, with Retry-After", async () => {
    const world = coreWorld();
    const { challengeId } = await challenge(world);
    world.advance(25);
    const error = await expectAuthError(resend(world.deps, { challengeId }), "resend_too_soon");
    expect(error.extras).toEqual({ retry_after: 35 });
    expect(error.headers).toEqual({ "retry-after": "35" });
    expect(world.jobs).toHaveLength(1);
  });

  it("after the cooldown queues a new code that replaces the old one", async () => {
    const world = coreWorld();
    const { challengeId, code: old } = await challenge(world);
    world.advance(60);
    const view = await resend(world.deps, { challengeId });
    expect(view).toEqual({ challenge_id: challengeId, channel: "email", destination: expect.stringMatching(/^u\*\*\*@example\.test$/), expires_in: 300, resend_after: 60 });
    expect(world.codeJobs().map((j) => j.send)).toEqual([1, 2]);
    const code = await world.queuedCode();
    if (code !== old) await expectAuthError(verify(world.deps, { challengeId, code: old }), "invalid_code");
    expect((await verify(world.deps, { challengeId, code })).token_type).toBe("Bearer");
  });

  it("stops at the send cap with rate_limited and the cooldown as Retry-After", async () => {
    const world = coreWorld({ bindings: { OTP_MAX_SENDS: "2" } });
    const { challengeId } = await challenge(world);
    world.advance(60);
    await resend(world.deps, { challengeId });
    world.advance(60);
    const error = await expectAuthError(resend(world.deps, { challengeId }), "rate_limited");
    expect(error.extras).toEqual({ retry_after: 60 });
    expect(error.headers).toEqual({ "retry-after": "60" });
  });

  it("refuses over the account's code limit, counted with the login's code", async () => {
    const world = coreWorld({ bindings: { RATE_LIMIT_CODES_ACCOUNT: "1/1800" } });
    const { challengeId } = await challenge(world);
    world.advance(60);
    const error = await expectAuthError(resend(world.deps, { challengeId }), "rate_limited");
    expect(error.extras).toEqual({ retry_after: 1_740 });
  });

  it("answers a dead challenge with challenge_expired", async () => {
    const world = coreWorld();
    const { challengeId } = await challenge(world);
    world.advance(300);
    await expectAuthError(resend(world.deps, { challengeId }), "challenge_expired");
    await expectAuthError(resend(world.deps, { challengeId: crypto.randomUUID() }), "challenge_expired");
  });

  it("renews nothing when no channel can deliver", async () => {
    const world = coreWorld();
    const { challengeId } = await challenge(world);
    world.advance(60);
    const production = { ...world.deps, config: { ...world.config, environment: "production" as const, sendgrid: undefined, twilio: undefined } };
    const counting = countingStore(world.store);
    await expectAuthError(resend({ ...production, store: counting.store }, { challengeId }), "delivery_unavailable", 503);
    expect(counting.calls.size).toBe(0);
    expect(world.tables.challenges.get(challengeId)!.sends).toBe(1);
  });
});
