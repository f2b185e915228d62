// Property: with an Idempotency-Key, login's challenge id is a UUID (version 8,
// RFC 9562) derived from the key, the account and the factor under a subkey of
// SECRET_KEY: the same inputs give the same id, any other input another, and
// the derivation matches an independent HMAC (node:crypto). A login retried
// with the key answers the same challenge with a new send that replaces the
// old code (its job is stale), counted like every code but not held back by
// the cooldown between challenges; the code counters bound the codes sent,
// queued or sent directly; once the sign-in ended, 409.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { register } from "../../functions/core/account/register";
import { challengeIdFor } from "../../functions/core/signin/idempotency";
import { login } from "../../functions/core/signin/login";
import { verify } from "../../functions/core/signin/verify";
import { coreWorld, expectAuthError } from "../support/core";

const PASSWORD = "correct horse battery staple";
const USER = "0b7e1c2a-5d4f-4e3b-9a8c-7f6e5d4c3b2a";

describe("the challenge id of a login with an Idempotency-Key", () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));

  it("is HMAC-SHA256 under the login-idempotency subkey, cut to a version 8 UUID", async () => {
    const subkey = createHmac("sha256", secret).update("innovation-ia-auth/login-idempotency/v1").digest();
    const mac = createHmac("sha256", subkey).update(`${USER}\u0000email\u0000key-1`).digest().subarray(0, 16);
    mac[6] = (mac[6]! & 0x0f) | 0x80;
    mac[8] = (mac[8]! & 0x3f) | 0x80;
    const hex = mac.toString("hex");
    const expected = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const id = await challengeIdFor(secret, USER, "email", "key-1");
    expect(id).toBe(expected);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("is the same for the same inputs and differs when any of them does", async () => {
    const id = await challengeIdFor(secret, USER, "email", "key-1");
    expect(await challengeIdFor(secret, USER, "email", "key-1")).toBe(id);
    const others = [
      await challengeIdFor(secret, "1b7e1c2a-5d4f-4e3b-9a8c-7f6e5d4c3b2a", "email", "key-1"),
      await challengeIdFor(secret, USER, "sms", "key-1"),
      await challengeIdFor(secret, USER, "email", "key-2"),
      await challengeIdFor(crypto.getRandomValues(new Uint8Array(32)), USER, "email", "key-1"),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});

describe("login retried with its Idempotency-Key", () => {
  async function world(options: { queue?: boolean; bindings?: Record<string, string> } = {}) {
    const w = coreWorld(options);
    const user = await register(w.deps, { email: `user-${crypto.randomUUID()}@example.test`, password: PASSWORD, phone: "+5511987654321" });
    const again = (key: string, channel: "email" | "sms" = "email") => login(w.deps, { email: user.email, password: PASSWORD, channel, idempotencyKey: key });
    return { w, user, again };
  }

  it("answers the same challenge with a new send that replaces the old code, without the cooldown between challenges", async () => {
    const { w, again } = await world();
    const first = await again("k");
    const staleCode = await w.queuedCode();
    const second = await again("k");
    expect(second.challenge_id).toBe(first.challenge_id);
    expect(w.codeJobs().map((job) => [job.challengeId, job.send])).toEqual([[first.challenge_id, 1], [first.challenge_id, 2]]);
    const code = await w.queuedCode();
    if (code !== staleCode) await expectAuthError(verify(w.deps, { challengeId: first.challenge_id, code: staleCode }), "invalid_code");
    expect((await verify(w.deps, { challengeId: first.challenge_id, code })).access_token).toBeTruthy();
    await expectAuthError(again("k"), "idempotency_conflict");
  });

  it("sends no more SMS than the code counters allow, sent directly (no queue) or not", async () => {
    for (const queue of [false, true]) {
      const { w, again } = await world({ queue, bindings: { RATE_LIMIT_CODES_ACCOUNT: "3/1800", OTP_MAX_SENDS: "10" } });
      const answers: string[] = [];
      for (let i = 0; i < 8; i++) answers.push(await again("k", "sms").then(() => "202", (error) => error.code));
      expect(answers).toEqual(["202", "202", "202", "rate_limited", "rate_limited", "rate_limited", "rate_limited", "rate_limited"]);
      const sent = queue ? w.codeJobs().length : w.sent.filter((m) => m.provider === "twilio").length;
      expect(sent, queue ? "code jobs queued" : "SMS sent").toBe(3);
    }
  });
});
