// Property: no log line ever holds a one-time code, a password, a token or a
// secret. Every line written during a full flow (register, login, a wrong code,
// resend, verify, me, refresh, logout, a failed delivery) is captured and searched.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiWith } from "../support/api";
import { latestCode, uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";

afterEach(() => vi.restoreAllMocks());

describe("logs", () => {
  it("hold no code, password, token or secret across a full flow", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    for (const level of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, level).mockImplementation(capture);

    const email = uniqueEmail("logs");
    const password = "a very private passphrase 42";
    const secrets: string[] = [password, env.SECRET_KEY, env.PASSWORD_PEPPER, env.SENDGRID_API_KEY, env.TWILIO_AUTH_TOKEN, env.HEALTH_DEEP_TOKEN];

    await apiWith({}, "POST", "/auth/register", { body: { email, password } });
    const login = await apiWith({}, "POST", "/auth/login", { body: { email, password } });
    const challengeId = login.body.challenge_id;
    const firstCode = await latestCode(email);
    await apiWith({}, "POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: firstCode === "000000" ? "111111" : "000000" } });
    await sql("UPDATE challenges SET resend_after = now() WHERE id = $1", [challengeId]);
    await apiWith({}, "POST", "/auth/2fa/resend", { body: { challenge_id: challengeId } });
    const code = await latestCode(email, 2);
    const verified = await apiWith({}, "POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    await apiWith({}, "GET", "/auth/me", { token: verified.body.access_token });
    const refreshed = await apiWith({}, "POST", "/auth/token/refresh", { body: { refresh_token: verified.body.refresh_token } });
    await apiWith({}, "POST", "/auth/token/refresh", { body: { refresh_token: verified.body.refresh_token } }); // a retry within the grace: logged
    await apiWith({ REFRESH_RETRY_GRACE_SECONDS: "0" }, "POST", "/auth/token/refresh", { body: { refresh_token: verified.body.refresh_token } }); // reuse: logged as a warning
    await apiWith({}, "POST", "/auth/logout", { body: { refresh_token: refreshed.body.refresh_token } });
    await apiWith({}, "GET", "/health/deep", { token: env.HEALTH_DEEP_TOKEN });
    const failing = uniqueEmail("fail");
    await apiWith({}, "POST", "/auth/register", { body: { email: failing, password } });
    // The direct path (no queue), where a failing provider is logged on the request.
    await apiWith({ DELIVERY_QUEUE: undefined }, "POST", "/auth/login", { body: { email: failing, password } });

    // Account recovery and a password change, with their codes and new passwords.
    const reset = await apiWith({}, "POST", "/auth/password/forgot", { body: { email } });
    const resetCode = await latestCode(email, 3);
    const resetPassword = "the password after the reset 77";
    await apiWith({}, "POST", "/auth/password/reset", { body: { reset_id: reset.body.reset_id, code: resetCode, new_password: resetPassword } });
    const changedPassword = "and the one after the change 88";
    await apiWith({}, "POST", "/auth/password/change", { token: verified.body.access_token, body: { current_password: resetPassword, new_password: changedPassword } });

    secrets.push(firstCode, code, resetCode, resetPassword, changedPassword, verified.body.access_token, verified.body.refresh_token, refreshed.body.access_token, refreshed.body.refresh_token);
    // The refresh token's secret half alone must not appear either.
    secrets.push(verified.body.refresh_token.split(".")[1]);

    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((l) => l.includes("delivery_failed"))).toBe(true);
    expect(lines.some((l) => l.includes("refresh_token_reuse"))).toBe(true);
    // Codes are checked as whole 6-digit words: as plain substrings they can turn up
    // by chance inside a logged UUID's hex.
    const longSecrets = secrets.filter((s) => !/^\d{6}$/.test(s));
    for (const line of lines) {
      for (const secret of longSecrets) expect(line.includes(secret), `a log line leaks a secret: ${line}`).toBe(false);
      expect(line).not.toMatch(/\b\d{6}\b/);
    }
  });
});
