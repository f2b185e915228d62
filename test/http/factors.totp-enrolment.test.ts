// Property: a new user can enrol an authenticator app end to end, exactly as a
// phone would: the otpauth:// URI parses (in the independent otpauth library)
// to a 160-bit base32 secret with SHA-1, 6 digits and 30 s; the factor stays
// pending until a code confirms it; confirming shows ten recovery codes once; the
// next sign-in asks for the app's code, sends nothing, and the token says so.
import { decodeJwt } from "jose";
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { AMR } from "../../functions/core/session/tokens";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { deliveredTo, PASSWORD, signIn } from "../support/flows";
import { authenticatorFrom, awayFromStepEdge, codeAt, enrolAuthenticator } from "../support/totp";

describe("enrolling an authenticator app", () => {
  it("gives a 160-bit base32 secret and an otpauth URI every authenticator app reads", async () => {
    const { user, accessToken } = await signIn();
    const enrolled = await api("POST", "/auth/factors/totp", { token: accessToken });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toEqual({ factor_id: expect.stringMatching(/^[0-9a-f-]{36}$/), secret: expect.any(String), otpauth_uri: expect.any(String) });
    expect(enrolled.body.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, RFC 4648 base32, no padding
    const uri = enrolled.body.otpauth_uri as string;
    expect(uri).toBe(
      `otpauth://totp/Innovation.ia:${encodeURIComponent(user.email)}?secret=${enrolled.body.secret}&issuer=Innovation.ia&algorithm=SHA1&digits=6&period=30`,
    );
    const app = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    expect(app).toBeInstanceOf(OTPAuth.TOTP);
    expect({ issuer: app.issuer, label: app.label, algorithm: app.algorithm, digits: app.digits, period: app.period }).toEqual({
      issuer: "Innovation.ia",
      label: user.email,
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
    expect(app.secret.bytes.byteLength).toBe(20);
  });

  it("stays pending until confirmed; a second enrolment replaces the pending one", async () => {
    const { accessToken } = await signIn();
    const first = await api("POST", "/auth/factors/totp", { token: accessToken });
    const second = await api("POST", "/auth/factors/totp", { token: accessToken });
    expect(second.status).toBe(201);
    expect(second.body.secret).not.toBe(first.body.secret);
    const listed = await api("GET", "/auth/factors", { token: accessToken });
    expect(listed.body.factors.filter((f: { type: string }) => f.type === "totp")).toEqual([
      expect.objectContaining({ id: second.body.factor_id, status: "pending", destination: null }),
    ]);
    // The first secret no longer confirms anything.
    const now = await awayFromStepEdge();
    const stale = await api("POST", "/auth/factors/totp/confirm", { token: accessToken, body: { code: codeAt(authenticatorFrom(first.body.otpauth_uri), now) } });
    expectError(stale, "invalid_code", 400);
  });

  it("answers a wrong confirmation code with 400 invalid_code and attempts_remaining, counted on the account", async () => {
    const { user, accessToken } = await signIn();
    const enrolled = await api("POST", "/auth/factors/totp", { token: accessToken });
    const app = authenticatorFrom(enrolled.body.otpauth_uri);
    const now = await awayFromStepEdge();
    const right = codeAt(app, now);
    const wrong = right === "000000" ? "111111" : "000000";
    const response = await api("POST", "/auth/factors/totp/confirm", { token: accessToken, body: { code: wrong } });
    expectError(response, "invalid_code", 400);
    expect(response.body.error.attempts_remaining).toBe(4);
    const { sql } = await import("../support/sql");
    const [row] = await sql<{ failed_otp_count: number }>("SELECT failed_otp_count FROM users WHERE email = $1", [user.email]);
    expect(row!.failed_otp_count).toBe(1);
  });

  it("activates with the app's code, shows ten recovery codes once, and then refuses a second app", async () => {
    const { accessToken } = await signIn();
    const { recoveryCodes, enrolled } = await enrolAuthenticator(accessToken);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);

    const listed = await api("GET", "/auth/factors", { token: accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.recovery_codes_remaining).toBe(10);
    expect(listed.body.factors).toEqual([
      expect.objectContaining({ id: "email", type: "email", status: "active", destination: expect.stringMatching(/^u\*\*\*@example\.test$/) }),
      expect.objectContaining({ id: enrolled.factor_id, type: "totp", status: "active", destination: null, created_at: expect.any(String) }),
    ]);
    expectError(await api("POST", "/auth/factors/totp", { token: accessToken }), "factor_exists");
    // Nothing pending any more: a confirmation has nothing to confirm.
    expectError(await api("POST", "/auth/factors/totp/confirm", { token: accessToken, body: { code: "123456" } }), "factor_not_found");
  });

  it("then signs in with the app's code: a totp challenge that sends nothing, and a token that says totp", async () => {
    const { user, accessToken } = await signIn();
    const { app, confirmedAt } = await enrolAuthenticator(accessToken);
    const codesSent = async () => (await deliveredTo(user.email)).filter((m) => /\b\d{6}\b/.test(m.text)).length;
    const codesBefore = await codesSent();

    const login = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(login.status).toBe(202);
    expect(login.body).toEqual({
      challenge_id: expect.any(String),
      channel: "totp",
      destination: null,
      expires_in: 300,
      resend_after: null,
      factors: ["totp", "recovery"],
    });
    expectError(await api("POST", "/auth/2fa/resend", { body: { challenge_id: login.body.challenge_id } }), "resend_unavailable");
    // The confirmation used this step's code; the next step's is the one a phone shows next.
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code: codeAt(app, confirmedAt, 1) } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const claims = decodeJwt(verified.body.access_token);
    expect(claims).toMatchObject({ factor: "totp", amr: [...AMR.totp] });
    // Nothing carrying a code was sent (the enrolment notice carries none).
    expect(await codesSent()).toBe(codesBefore);
  });
});
