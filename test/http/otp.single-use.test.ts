// Property: a code works once. After a successful verify, the challenge is gone for
// everyone, including a second request with the same right code.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { loginWithCode } from "../support/flows";

// The tests run at once: each signs in its own account, so none waits on another's round trips.
describe.concurrent("one-time codes are single-use", () => {
  it("gives a token once, then 401 challenge_expired for the same code", async () => {
    const { challengeId, code } = await loginWithCode();
    const first = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    expect(first.status).toBe(200);
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } }), "challenge_expired");
  });

  it("does not let one challenge's code open another challenge", async () => {
    const a = await loginWithCode();
    const b = await loginWithCode();
    const wrongPair = await api("POST", "/auth/2fa/verify", { body: { challenge_id: b.challengeId, code: a.code === b.code ? "000000" : a.code } });
    expectError(wrongPair, "invalid_code");
  });

  it("answers an unknown challenge id with 401 challenge_expired", async () => {
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: crypto.randomUUID(), code: "123456" } }), "challenge_expired");
  });

  it("gives 400 invalid_request for a malformed challenge id or code", async () => {
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: "1 OR 1=1", code: "123456" } }), "invalid_request");
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: crypto.randomUUID(), code: "12345a" } }), "invalid_request");
  });
});
