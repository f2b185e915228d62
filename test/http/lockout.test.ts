// Property: consecutive wrong second factors on an account trigger growing waits,
// and 100 in a row (NIST SP 800-63B) lock it. A locked account answers exactly
// like a wrong password, and its live challenges stop working.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { loginWithCode, PASSWORD } from "../support/flows";
import { sql } from "../support/sql";

const wrong = (code: string) => (code === "000000" ? "111111" : "000000");

async function exhaust(challengeId: string, code: string) {
  for (let i = 0; i < 5; i++) await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrong(code) } });
}

async function clearCooldown(userId: string) {
  await sql("DELETE FROM rate_limits WHERE key = $1", [`code_cooldown:${userId}`]);
}

describe("growing waits", () => {
  it("makes the account wait after 5 wrong codes, and doubles the wait every 5 more", async () => {
    const { user, challengeId, code } = await loginWithCode();
    const id = (await sql<{ id: string }>("SELECT id FROM users WHERE email = $1", [user.email]))[0]!.id;
    await exhaust(challengeId, code);
    await clearCooldown(id);
    const waiting = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expectError(waiting, "rate_limited");
    const first = Number(waiting.headers.get("retry-after"));
    expect(first).toBeGreaterThan(20);
    expect(first).toBeLessThanOrEqual(30);

    // The wrong password still gets the wrong-password answer: the wait is only shown to someone with the password.
    expectError(await api("POST", "/auth/login", { body: { email: user.email, password: "not it at all" } }), "invalid_credentials");

    // Five more failures double it.
    await sql("UPDATE users SET otp_blocked_until = NULL WHERE id = $1", [id]);
    const again = await loginWithCode({ email: user.email });
    await exhaust(again.challengeId, again.code);
    await clearCooldown(id);
    const longer = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(Number(longer.headers.get("retry-after"))).toBeGreaterThan(30);
    expect(Number(longer.headers.get("retry-after"))).toBeLessThanOrEqual(60);
  });

  it("resets the streak on a right code", async () => {
    const { user, challengeId, code } = await loginWithCode();
    await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrong(code) } });
    expect((await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } })).status).toBe(200);
    const [row] = await sql<{ failed_otp_count: number }>("SELECT failed_otp_count FROM users WHERE email = $1", [user.email]);
    expect(row!.failed_otp_count).toBe(0);
  });
});

describe("lockout", () => {
  it("locks after 100 consecutive wrong codes; the account then answers like a wrong password", async () => {
    const { user, challengeId, code } = await loginWithCode();
    await sql("UPDATE users SET failed_otp_count = 99 WHERE email = $1", [user.email]);
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrong(code) } }), "invalid_code");
    const [row] = await sql<{ locked: boolean }>("SELECT locked_at IS NOT NULL AS locked FROM users WHERE email = $1", [user.email]);
    expect(row!.locked).toBe(true);

    // Its live challenge stops working, even with the right code.
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } }), "challenge_expired");

    await sql("UPDATE users SET otp_blocked_until = NULL WHERE email = $1", [user.email]);
    const locked = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    const wrongPassword = await api("POST", "/auth/login", { body: { email: user.email, password: "not the password" } });
    expectError(locked, "invalid_credentials");
    expect(locked.body).toEqual(wrongPassword.body);
  });
});
