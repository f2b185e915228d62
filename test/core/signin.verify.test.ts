// Property: verify maps each outcome of the one verify path to its answer: a
// right code gives the token pair (a Bearer access token for the account and the
// refresh token of the family the same step opened); a wrong code, even one not
// shaped like a code, costs an attempt and says how many are left
// (invalid_code); an expired, used, exhausted or unknown challenge is
// challenge_expired; a client over its limit is rate_limited with Retry-After.
import { describe, expect, it } from "vitest";
import { register } from "../../functions/core/account/register";
import { ERRORS } from "../../functions/core/errors";
import { login } from "../../functions/core/signin/login";
import { verify } from "../../functions/core/signin/verify";
import { coreWorld, expectAuthError, isoAt, me, NOW, type CoreWorld } from "../support/core";

async function challenge(world: CoreWorld) {
  const user = await register(world.deps, { email: `user-${crypto.randomUUID()}@example.test`, password: "correct horse battery staple" });
  const view = await login(world.deps, { email: user.email, password: "correct horse battery staple", channel: "email" });
  const code = await world.queuedCode();
  return { user, challengeId: view.challenge_id, code, wrong: code === "000000" ? "111111" : "000000" };
}

describe("verify", () => {
  it("gives the token pair for the right code", async () => {
    const world = coreWorld();
    const { user, challengeId, code } = await challenge(world);
    const tokens = await verify(world.deps, { challengeId, code });
    expect(tokens).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: world.config.jwt.ttlSeconds,
      refresh_token: expect.stringMatching(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
      refresh_expires_in: world.config.refreshTtlSeconds,
    });
    // The e-mail code proved the address, at the sign-in.
    expect(await me(world.deps, tokens.access_token)).toEqual({
      id: user.id,
      email: user.email,
      phone: null,
      locale: "en",
      email_verified_at: isoAt(NOW),
      phone_verified_at: null,
      created_at: isoAt(NOW),
    });
    expect(world.tables.refreshSessions.has(tokens.refresh_token.split(".")[0]!)).toBe(true);
    const line = world.logs.find((l) => l.msg === "challenge_verified");
    expect(line?.fields).toEqual({ challenge_id: challengeId, user_id: user.id, factor: "email" });
    expect(JSON.stringify(world.logs)).not.toContain(code);
  });

  it("answers a wrong code with invalid_code and the attempts left, then challenge_expired", async () => {
    const world = coreWorld();
    const { challengeId, code, wrong } = await challenge(world);
    for (let left = world.config.otp.maxAttempts - 1; left >= 0; left--) {
      const error = await expectAuthError(verify(world.deps, { challengeId, code: wrong }), "invalid_code", ERRORS.invalid_code.status);
      expect(error.extras).toEqual({ attempts_remaining: left });
    }
    await expectAuthError(verify(world.deps, { challengeId, code }), "challenge_expired", ERRORS.challenge_expired.status);
  });

  it("counts a code of the wrong shape as a wrong guess", async () => {
    const world = coreWorld();
    const { challengeId } = await challenge(world);
    for (const junk of ["12345", "1234567", "12345a", ""]) await expectAuthError(verify(world.deps, { challengeId, code: junk }), "invalid_code");
    expect([...world.tables.challenges.values()][0]!.attempts).toBe(4);
  });

  it("answers a used, an expired and an unknown challenge with challenge_expired", async () => {
    const world = coreWorld();
    const used = await challenge(world);
    await verify(world.deps, { challengeId: used.challengeId, code: used.code });
    await expectAuthError(verify(world.deps, used), "challenge_expired");
    const expiring = await challenge(world);
    world.advance(world.config.otp.ttlSeconds);
    await expectAuthError(verify(world.deps, expiring), "challenge_expired");
    await expectAuthError(verify(world.deps, { challengeId: crypto.randomUUID(), code: "123456" }), "challenge_expired");
  });

  it("refuses a client over its verify limit with rate_limited and Retry-After", async () => {
    const world = coreWorld({ bindings: { RATE_LIMIT_VERIFY_IP: "2/60" } });
    const { challengeId, code, wrong } = await challenge(world);
    await expectAuthError(verify(world.deps, { challengeId, code: wrong }), "invalid_code");
    await expectAuthError(verify(world.deps, { challengeId: crypto.randomUUID(), code }), "challenge_expired");
    world.advance(15);
    const limited = await expectAuthError(verify(world.deps, { challengeId, code }), "rate_limited", ERRORS.rate_limited.status);
    expect(limited.extras).toEqual({ retry_after: 45 });
    expect(limited.headers).toEqual({ "retry-after": "45" });
    world.advance(45);
    expect((await verify(world.deps, { challengeId, code })).token_type).toBe("Bearer");
  });
});
