// Property: once an authenticator app is confirmed, login starts a TOTP
// challenge that sends nothing (and e-mail codes are refused), the app's code
// for the fixed clock's step signs in once (the same code again is invalid_code,
// the next step's works), and a recovery code signs in once and queues its
// notice; on the in-memory store, with the clock the test moves.
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { register } from "../../functions/core/account/register";
import { confirmTotp, enrolTotp } from "../../functions/core/factors/manage";
import { authenticate, callerOf } from "../../functions/core/session/session";
import { login } from "../../functions/core/signin/login";
import { verify } from "../../functions/core/signin/verify";
import { coreWorld, expectAuthError, type CoreWorld } from "../support/core";

const PASSWORD = "correct horse battery staple";
const FACTOR_ENCRYPTION_KEY = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64");

/** An account signed in by e-mail that then enrols and confirms an app: the app and its recovery codes. */
async function withAuthenticator(world: CoreWorld) {
  const user = await register(world.deps, { email: `user-${crypto.randomUUID()}@example.test`, password: PASSWORD });
  const view = await login(world.deps, { email: user.email, password: PASSWORD, channel: "email" });
  const tokens = await verify(world.deps, { challengeId: view.challenge_id, code: await world.queuedCode() });
  const caller = callerOf(await authenticate(world.deps, tokens.access_token));
  const app = OTPAuth.URI.parse((await enrolTotp(world.deps, caller)).otpauth_uri) as OTPAuth.TOTP;
  const confirmed = await confirmTotp(world.deps, caller, app.generate({ timestamp: world.now() }));
  expect(confirmed.recovery_codes).toHaveLength(10);
  return { user, app, recoveryCodes: confirmed.recovery_codes };
}

describe("sign-in with an authenticator app", () => {
  it("starts a challenge that sends nothing, and refuses e-mail codes", async () => {
    const world = coreWorld({ bindings: { FACTOR_ENCRYPTION_KEY } });
    const { user } = await withAuthenticator(world);
    const jobs = world.codeJobs().length;
    const view = await login(world.deps, { email: user.email, password: PASSWORD });
    expect(view).toMatchObject({ channel: "totp", destination: null, resend_after: null, factors: ["totp", "recovery"] });
    expect(world.codeJobs()).toHaveLength(jobs);
    await expectAuthError(login(world.deps, { email: user.email, password: PASSWORD, channel: "email" }), "channel_unavailable");
  });

  it("accepts the app's code for a step once; the next step's code works", async () => {
    const world = coreWorld({ bindings: { FACTOR_ENCRYPTION_KEY } });
    const { user, app } = await withAuthenticator(world);
    // The step that confirmed the app is spent: the next one signs in.
    world.advance(30);
    const code = app.generate({ timestamp: world.now() });
    const first = await login(world.deps, { email: user.email, password: PASSWORD });
    expect((await verify(world.deps, { challengeId: first.challenge_id, code })).token_type).toBe("Bearer");
    // Still within its step: refused because it was used, on a new challenge.
    const second = await login(world.deps, { email: user.email, password: PASSWORD });
    await expectAuthError(verify(world.deps, { challengeId: second.challenge_id, code }), "invalid_code");
    world.advance(30);
    const claims = await verify(world.deps, { challengeId: second.challenge_id, code: app.generate({ timestamp: world.now() }) });
    expect(await authenticate(world.deps, claims.access_token)).toMatchObject({ factor: "totp", amr: ["pwd", "otp", "mfa"] });
  });

  it("signs in once with a recovery code and queues the notice", async () => {
    const world = coreWorld({ bindings: { FACTOR_ENCRYPTION_KEY } });
    const { user, recoveryCodes } = await withAuthenticator(world);
    world.advance(60);
    const first = await login(world.deps, { email: user.email, password: PASSWORD, channel: "recovery" });
    expect((await verify(world.deps, { challengeId: first.challenge_id, code: recoveryCodes[0]!.toUpperCase() })).token_type).toBe("Bearer");
    expect(world.jobs.at(-1)).toMatchObject({ kind: "notice", userId: user.id, notice: "recovery_code_used" });
    world.advance(60);
    const second = await login(world.deps, { email: user.email, password: PASSWORD, channel: "recovery" });
    await expectAuthError(verify(world.deps, { challengeId: second.challenge_id, code: recoveryCodes[0]! }), "invalid_code");
  });
});
