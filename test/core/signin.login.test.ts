// Property: login answers an unknown e-mail, a wrong password and a locked
// account identically, after the same work (one lookup, one full key derivation
// at the configured cost, nothing created); only someone with the right password
// learns about the wait that wrong codes earned; login limits and the cooldown
// between challenges refuse before any hashing; a channel without a provider
// (delivery_unavailable) or an account without a phone (channel_unavailable) is
// refused; a good login starts a challenge and sends its code, sealed through
// the queue or directly, and a failed direct send revokes the challenge. Every
// failure queues the same one record of a failed sign-in.
import { describe, expect, it, vi } from "vitest";
import { register } from "../../functions/core/account/register";
import { login } from "../../functions/core/signin/login";
import { verify } from "../../functions/core/signin/verify";
import { codeIn, coreWorld, countingStore, expectAuthError, type CoreWorld } from "../support/core";

const PASSWORD = "correct horse battery staple";

async function account(world: CoreWorld, options: { email?: string; phone?: string } = {}) {
  return register(world.deps, { email: options.email ?? `user-${crypto.randomUUID()}@example.test`, password: PASSWORD, phone: options.phone });
}

/** One login, and the work it did: key derivations (their iterations) and store calls. */
async function loginWork(world: CoreWorld, email: string, password: string) {
  const counting = countingStore(world.store);
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  const error = await expectAuthError(login({ ...world.deps, store: counting.store }, { email, password, channel: "email" }), "invalid_credentials");
  const iterations = derive.mock.calls.map(([algorithm]) => (algorithm as { iterations: number }).iterations);
  derive.mockRestore();
  return { body: error.toBody(), status: error.status, iterations, calls: Object.fromEntries(counting.calls) };
}

describe("login: no account oracle", () => {
  it("answers an unknown e-mail, a wrong password and a locked account alike, after the same work", async () => {
    const world = coreWorld();
    const known = await account(world);
    const locked = await account(world);
    world.tables.users.get(locked.id)!.lockedAt = world.now();
    const ghost = `ghost-${crypto.randomUUID()}@example.test`;
    const cases = [
      await loginWork(world, ghost, PASSWORD),
      await loginWork(world, known.email, "not the password"),
      await loginWork(world, locked.email, PASSWORD),
    ];
    for (const c of cases) {
      expect(c).toEqual(cases[0]);
      expect(c.iterations).toEqual([world.config.passwordIterations]);
      expect(c.calls).toEqual({ findUserForLogin: 1 });
    }
    expect(world.tables.challenges.size).toBe(0);
    // No code: for each, the same one record of a failed sign-in on the queue.
    expect(world.codeJobs()).toHaveLength(0);
    const client = world.deps.client;
    expect(world.jobs).toEqual([ghost, known.email, locked.email].map((email) => ({ v: 1, kind: "login_failed", email, ...client })));
  });

  it("shows the wait after wrong codes only to someone with the right password", async () => {
    const world = coreWorld();
    const user = await account(world);
    world.tables.users.get(user.id)!.otpBlockedUntil = world.now() + 30_000;
    const waiting = await expectAuthError(login(world.deps, { email: user.email, password: PASSWORD, channel: "email" }), "rate_limited");
    expect(waiting.extras).toEqual({ retry_after: 30 });
    expect(waiting.headers).toEqual({ "retry-after": "30" });
    await expectAuthError(login(world.deps, { email: user.email, password: "not the password", channel: "email" }), "invalid_credentials");
    world.advance(30);
    expect((await login(world.deps, { email: user.email, password: PASSWORD, channel: "email" })).challenge_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("login: limits", () => {
  it("limits logins per account before any hashing, with the seconds left", async () => {
    const world = coreWorld({ bindings: { RATE_LIMIT_LOGIN_ACCOUNT: "2/900" } });
    const user = await account(world);
    for (let i = 0; i < 2; i++) await expectAuthError(login(world.deps, { email: user.email, password: "wrong", channel: "email" }), "invalid_credentials");
    world.advance(100);
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const limited = await expectAuthError(login(world.deps, { email: user.email, password: PASSWORD, channel: "email" }), "rate_limited");
    expect(derive).not.toHaveBeenCalled();
    expect(limited.extras).toEqual({ retry_after: 800 });
  });

  it("limits logins per client across accounts", async () => {
    const world = coreWorld({ bindings: { RATE_LIMIT_LOGIN_IP: "3/60" } });
    for (let i = 0; i < 3; i++) await expectAuthError(login(world.deps, { email: `ghost-${i}@example.test`, password: PASSWORD, channel: "email" }), "invalid_credentials");
    await expectAuthError(login(world.deps, { email: "ghost-4@example.test", password: PASSWORD, channel: "email" }), "rate_limited");
    await expectAuthError(login({ ...world.deps, clientIp: "198.51.100.1" }, { email: "ghost-4@example.test", password: PASSWORD, channel: "email" }), "invalid_credentials");
  });

  it("waits the cooldown between new challenges for one account", async () => {
    const world = coreWorld();
    const user = await account(world);
    await login(world.deps, { email: user.email, password: PASSWORD, channel: "email" });
    world.advance(20);
    const early = await expectAuthError(login(world.deps, { email: user.email, password: PASSWORD, channel: "email" }), "rate_limited");
    expect(early.extras).toEqual({ retry_after: 40 });
    world.advance(40);
    await login(world.deps, { email: user.email, password: PASSWORD, channel: "email" });
    expect(world.jobs).toHaveLength(2);
  });
});

describe("login: channels and delivery", () => {
  it("starts a challenge and queues its code sealed, answering with the masked address", async () => {
    const world = coreWorld();
    const user = await account(world, { email: `jane-${crypto.randomUUID()}@example.test` });
    const view = await login(world.deps, { email: user.email, password: PASSWORD, channel: "email" });
    expect(view).toEqual({ challenge_id: expect.stringMatching(/^[0-9a-f-]{36}$/), channel: "email", destination: "j***@example.test", expires_in: 300, resend_after: 60, factors: ["email"] });
    expect(world.jobs).toEqual([expect.objectContaining({ v: 1, challengeId: view.challenge_id, send: 1 })]);
    const code = await world.queuedCode();
    expect(JSON.stringify(world.jobs)).not.toContain(code);
    expect(world.sent).toHaveLength(0);
    expect((await verify(world.deps, { challengeId: view.challenge_id, code })).token_type).toBe("Bearer");
  });

  it("without a queue, sends the code through SendGrid or Twilio on the request path", async () => {
    const world = coreWorld({ queue: false });
    const phone = "+5511987654321";
    const user = await account(world, { phone });
    const byMail = await login(world.deps, { email: user.email, password: PASSWORD, channel: "email" });
    world.advance(60);
    const bySms = await login(world.deps, { email: user.email, password: PASSWORD, channel: "sms" });
    expect(bySms.destination).toBe("+55*********21");
    expect(world.sent.map((m) => [m.provider, m.to])).toEqual([["sendgrid", user.email], ["twilio", phone]]);
    const [mailCode, smsCode] = world.sent.map((m) => codeIn(m.text));
    expect((await verify(world.deps, { challengeId: byMail.challenge_id, code: mailCode! })).token_type).toBe("Bearer");
    expect((await verify(world.deps, { challengeId: bySms.challenge_id, code: smsCode! })).token_type).toBe("Bearer");
  });

  it("falls back to the direct send when the queue refuses the job", async () => {
    const world = coreWorld();
    const user = await account(world);
    await login({ ...world.deps, enqueue: async () => Promise.reject(new Error("queue down")) }, { email: user.email, password: PASSWORD, channel: "email" });
    expect(world.sent.map((m) => m.to)).toEqual([user.email]);
    expect(world.logs.map((l) => l.msg)).toContain("enqueue_failed");
  });

  it("gives delivery_failed when the provider fails on the direct path, and revokes the challenge", async () => {
    const world = coreWorld({ queue: false });
    const user = await account(world, { email: `fail-${crypto.randomUUID()}@example.test` });
    await expectAuthError(login(world.deps, { email: user.email, password: PASSWORD, channel: "email" }), "delivery_failed", 502);
    const [challenge] = world.tables.challenges.values();
    expect(challenge!.consumedAt).not.toBeNull();
  });

  it("refuses SMS for an account without a phone (422), and a channel with no provider (503) before any lookup", async () => {
    const world = coreWorld();
    const user = await account(world);
    await expectAuthError(login(world.deps, { email: user.email, password: PASSWORD, channel: "sms" }), "channel_unavailable", 422);
    const production = coreWorld({ bindings: { ENVIRONMENT: "production", TWILIO_ACCOUNT_SID: undefined } });
    const counting = countingStore(production.store);
    await expectAuthError(login({ ...production.deps, store: counting.store }, { email: user.email, password: PASSWORD, channel: "sms" }), "delivery_unavailable", 503);
    expect(counting.calls.size).toBe(0);
  });
});
