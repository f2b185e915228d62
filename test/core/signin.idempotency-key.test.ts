// Property: with an Idempotency-Key, login's challenge id is a UUID (version 8,
// RFC 9562) derived from the key, the account and the factor under a subkey of
// SECRET_KEY: the same inputs give the same id, any other input another, and
// the derivation matches an independent HMAC (node:crypto). A login retried
// with the key before its code was handed to a provider answers the same
// challenge and queues exactly one live code job (the first is stale); once
// the code is on its way, the retry queues nothing; once the sign-in ended, 409.
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
  async function world() {
    const w = coreWorld();
    const user = await register(w.deps, { email: `user-${crypto.randomUUID()}@example.test`, password: PASSWORD });
    return { w, user, again: (key: string) => login(w.deps, { email: user.email, password: PASSWORD, channel: "email", idempotencyKey: key }) };
  }

  it("before its code was handed to a provider: the same challenge, one more send, and only that send's code works", async () => {
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

  it("once its code is on its way: the same challenge, nothing queued", async () => {
    const { w, again } = await world();
    const first = await again("k");
    expect(await w.store.claimDelivery(first.challenge_id, 1, 30)).toMatchObject({ status: "claimed" });
    w.advance(10);
    const second = await again("k");
    expect(second).toEqual({ ...first, expires_in: first.expires_in - 10, resend_after: first.resend_after! - 10 });
    expect(w.codeJobs()).toHaveLength(1);
  });
});
