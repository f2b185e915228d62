// Property: an access token is a pinned-HS256 JWT of kind at+jwt with exactly the
// documented claims, and /auth/me refuses anything that is not such a token:
// missing, tampered, expired, wrong kind, wrong algorithm, wrong key.
import { env } from "cloudflare:test";
import { SignJWT, decodeJwt, decodeProtectedHeader, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deriveKey, utf8 } from "../../functions/core/crypto";
import { AMR, issueAccessToken } from "../../functions/core/session/tokens";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { loginWithCode } from "../support/flows";

async function tokenFor(): Promise<{ token: string; userId: string }> {
  const { challengeId, code } = await loginWithCode();
  const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
  expect(verified.status).toBe(200);
  return { token: verified.body.access_token, userId: decodeJwt(verified.body.access_token).sub! };
}

const settings = () => ({
  secretKey: utf8(env.SECRET_KEY),
  issuer: env.JWT_ISSUER,
  audience: env.JWT_AUDIENCE,
  ttlSeconds: 900,
  clientId: "innovation-ia",
});
const FACTS = { authTime: Math.floor(Date.now() / 1000), factor: "email" as const, sid: null };

// The tests run at once: each signs in its own account, so none waits on another's round trips.
describe.concurrent("access tokens", () => {
  it("carry sub, iat, exp (+15 min), iss, aud, jti, client_id, auth_time, amr [pwd, otp, mfa], factor and sid, signed HS256 as at+jwt", async () => {
    const { token } = await tokenFor();
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "at+jwt" });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(["amr", "aud", "auth_time", "client_id", "exp", "factor", "iat", "iss", "jti", "sid", "sub"]);
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims).toMatchObject({ iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, amr: [...AMR.email], factor: "email", client_id: "innovation-ia" });
    expect(Math.abs((claims.auth_time as number) - claims.iat!)).toBeLessThanOrEqual(5);
  });

  it("give a unique jti per token", async () => {
    const [a, b] = await Promise.all([tokenFor(), tokenFor()]);
    expect(decodeJwt(a.token).jti).not.toBe(decodeJwt(b.token).jti);
  });

  it("are refused when missing or malformed", async () => {
    expectError(await api("GET", "/auth/me"), "invalid_token");
    expectError(await api("GET", "/auth/me", { headers: { authorization: "Basic abc" } }), "invalid_token");
    expectError(await api("GET", "/auth/me", { token: "not.a.jwt" }), "invalid_token");
  });

  it("are refused when tampered with", async () => {
    const { token } = await tokenFor();
    const [header, payload, signature] = token.split(".");
    const forged = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    forged.sub = crypto.randomUUID();
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expectError(await api("GET", "/auth/me", { token: `${header}.${forgedPayload}.${signature}` }), "invalid_token");
  });

  it("are refused once expired", async () => {
    const { userId } = await tokenFor();
    const expired = await issueAccessToken(userId, settings(), FACTS, Date.now() - 16 * 60 * 1000);
    expectError(await api("GET", "/auth/me", { token: expired }), "invalid_token");
    const fresh = await issueAccessToken(userId, settings(), FACTS);
    expect((await api("GET", "/auth/me", { token: fresh })).status).toBe(200);
  });

  it("are refused with alg none, another kind, or another key", async () => {
    const { userId } = await tokenFor();
    const claims = { sub: userId, amr: [...AMR.email], jti: crypto.randomUUID(), client_id: "innovation-ia" };
    const unsigned = new UnsecuredJWT(claims).setIssuer(env.JWT_ISSUER).setAudience(env.JWT_AUDIENCE).setIssuedAt().setExpirationTime("5m").encode();
    expectError(await api("GET", "/auth/me", { token: unsigned }), "invalid_token");

    const key = await deriveKey(utf8(env.SECRET_KEY), "jwt-access/v1");
    const sign = (typ: string, signingKey: Uint8Array) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ }).setIssuer(env.JWT_ISSUER).setAudience(env.JWT_AUDIENCE).setIssuedAt().setExpirationTime("5m").sign(signingKey);
    // Right key, wrong kind: a plain JWT is not an access token.
    expectError(await api("GET", "/auth/me", { token: await sign("JWT", key) }), "invalid_token");
    // Right kind, but signed with the raw secret instead of the derived access-token key.
    expectError(await api("GET", "/auth/me", { token: await sign("at+jwt", utf8(env.SECRET_KEY)) }), "invalid_token");
    // The control: the same construction with the right key and kind is accepted.
    expect((await api("GET", "/auth/me", { token: await sign("at+jwt", key) })).status).toBe(200);
  });

  it("are refused with a wrong audience or issuer", async () => {
    const { userId } = await tokenFor();
    const other = await issueAccessToken(userId, { ...settings(), audience: "someone-else" }, FACTS);
    expectError(await api("GET", "/auth/me", { token: other }), "invalid_token");
    const otherIssuer = await issueAccessToken(userId, { ...settings(), issuer: "https://evil.example" }, FACTS);
    expectError(await api("GET", "/auth/me", { token: otherIssuer }), "invalid_token");
  });
});
