// Property: enrolling, confirming and removing an authenticator app,
// regenerating recovery codes, changing the phone, exporting and deleting the
// account need a recent sign-in (auth_time within
// REAUTH_MAX_AGE_SECONDS): otherwise 403 reauthentication_required. Refreshing
// keeps the session's original auth_time, so a refresh never makes a sign-in
// recent, and a token with no auth_time is never recent. Listing factors needs
// only a valid token.
import { env } from "cloudflare:test";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deriveKey, utf8 } from "../../functions/core/crypto";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { clearCodeCooldown, signIn } from "../support/flows";
import { sql } from "../support/sql";

/** The same token with its claims changed, signed with the service's HS256 key. */
async function resigned(token: string, change: (claims: Record<string, unknown>) => void): Promise<string> {
  const claims: Record<string, unknown> = { ...decodeJwt(token) };
  change(claims);
  const key = await deriveKey(utf8(env.SECRET_KEY), "jwt-access/v1");
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "at+jwt" }).sign(key);
}

const managing = [
  ["POST", "/auth/factors/totp", undefined],
  ["POST", "/auth/factors/totp/confirm", { code: "123456" }],
  ["DELETE", "/auth/factors/totp", undefined],
  ["POST", "/auth/recovery-codes", undefined],
  ["PUT", "/auth/me/phone", { phone: "+5511987650001" }],
  ["GET", "/auth/me/export", undefined],
  ["DELETE", "/auth/me", { password: "correct horse battery staple" }],
] as const;

describe("factor management needs a recent sign-in", () => {
  it("answers 403 reauthentication_required to a sign-in older than 10 minutes, on every management route", async () => {
    const { accessToken } = await signIn();
    const old = await resigned(accessToken, (c) => (c.auth_time = Math.floor(Date.now() / 1000) - 601));
    for (const [method, path, body] of managing) {
      expectError(await api(method, path, { token: old, ...(body ? { body } : {}) }), "reauthentication_required");
    }
    // Reading the list is not management.
    expect((await api("GET", "/auth/factors", { token: old })).status).toBe(200);
  });

  it("never treats a token without auth_time as recent", async () => {
    const { accessToken } = await signIn();
    const legacy = await resigned(accessToken, (c) => delete c.auth_time);
    expectError(await api("POST", "/auth/factors/totp", { token: legacy }), "reauthentication_required");
  });

  it("keeps the original auth_time through a refresh, so refreshing does not make a sign-in recent", async () => {
    const { user, accessToken, refreshToken } = await signIn();
    const original = decodeJwt(accessToken);
    await sql("UPDATE refresh_sessions s SET auth_time = now() - interval '11 minutes' FROM users u WHERE u.id = s.user_id AND u.email = $1", [user.email]);
    const refreshed = await api("POST", "/auth/token/refresh", { body: { refresh_token: refreshToken } });
    expect(refreshed.status).toBe(200);
    const claims = decodeJwt(refreshed.body.access_token);
    expect(claims.auth_time).toBeLessThan(original.auth_time as number);
    expect(claims).toMatchObject({ factor: original.factor, amr: original.amr });
    expectError(await api("POST", "/auth/factors/totp", { token: refreshed.body.access_token }), "reauthentication_required");
  });

  it("answers 401 invalid_token, not 403, to a missing or bad token", async () => {
    for (const [method, path, body] of managing) {
      expectError(await api(method, path, body ? { body } : {}), "invalid_token");
      expectError(await api(method, path, { token: "not.a.token", ...(body ? { body } : {}) }), "invalid_token");
    }
  });
});

describe("removing the authenticator app", () => {
  it("removes it after a fresh sign-in; the next login is by e-mail again", async () => {
    const { enrolAuthenticator } = await import("../support/totp");
    const { user, accessToken } = await signIn();
    await enrolAuthenticator(accessToken);
    expect((await api("DELETE", "/auth/factors/totp", { token: accessToken })).status).toBe(204);
    expectError(await api("DELETE", "/auth/factors/totp", { token: accessToken }), "factor_not_found");
    await clearCodeCooldown(user.id);
    const login = await api("POST", "/auth/login", { body: { email: user.email, password: "correct horse battery staple" } });
    expect(login.body).toMatchObject({ channel: "email", factors: ["email", "recovery"] });
  });
});
