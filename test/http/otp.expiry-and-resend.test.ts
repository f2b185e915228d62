// Property: a challenge dies at its expiry (by the database clock, shared by every
// instance); a resend waits for its cooldown, replaces the code, and the old code
// stops working.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { deliveredTo, latestCode, loginWithCode, waitForDelivery } from "../support/flows";
import { sql } from "../support/sql";

// The tests run at once: each signs in its own account, so none waits on another's round trips.
describe.concurrent("expiry", () => {
  it("refuses the right code once the challenge has expired", async () => {
    const { challengeId, code } = await loginWithCode();
    await sql("UPDATE challenges SET expires_at = now() - interval '1 second' WHERE id = $1", [challengeId]);
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } }), "challenge_expired");
    expectError(await api("POST", "/auth/2fa/resend", { body: { challenge_id: challengeId } }), "challenge_expired");
  });
});

describe.concurrent("POST /auth/2fa/resend", () => {
  it("gives 429 resend_too_soon with Retry-After inside the cooldown", async () => {
    const { challengeId } = await loginWithCode();
    const response = await api("POST", "/auth/2fa/resend", { body: { challenge_id: challengeId } });
    expectError(response, "resend_too_soon");
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("after the cooldown sends a new code that replaces the old one", async () => {
    const { user, challengeId, code: oldCode } = await loginWithCode();
    await sql("UPDATE challenges SET resend_after = now() - interval '1 second' WHERE id = $1", [challengeId]);
    const response = await api("POST", "/auth/2fa/resend", { body: { challenge_id: challengeId } });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ challenge_id: challengeId, channel: "email", expires_in: 300, resend_after: 60 });
    const newCode = await latestCode(user.email, 2);
    expect(await deliveredTo(user.email)).toHaveLength(2);
    if (newCode !== oldCode) {
      expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: oldCode } }), "invalid_code");
    }
    expect((await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: newCode } })).status).toBe(200);
  });

  it("sends only one new code when two resends race", async () => {
    const { user, challengeId } = await loginWithCode();
    await sql("UPDATE challenges SET resend_after = now() - interval '1 second' WHERE id = $1", [challengeId]);
    const responses = await Promise.all([1, 2, 3].map(() => api("POST", "/auth/2fa/resend", { body: { challenge_id: challengeId } })));
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(2);
    // The challenge counts its sends in the statement that renews it: the login's and exactly one resend.
    const [row] = await sql<{ sends: number }>("SELECT sends FROM challenges WHERE id = $1", [challengeId]);
    expect(row!.sends).toBe(2);
    await waitForDelivery(user.email, 2);
  });
});
