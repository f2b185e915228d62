// Property: an access token is a JWT of kind at+jwt, signed with the pinned
// algorithm (HS256 under a subkey of SECRET_KEY), carrying exactly sub, iss, aud,
// iat, exp (= iat + the configured lifetime), a unique jti, client_id, and what
// the sign-in was: amr by factor (RFC 8176), auth_time, factor and the session's
// sid (a session from before those were kept: amr [pwd, otp] and none of the
// three); it is refused unsigned (alg none), under another key, of another kind, for
// another audience or issuer, tampered with, or expired (on a fixed clock, to
// the second).
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deriveKey } from "../../functions/core/crypto";
import { tokenSettings } from "../../functions/core/session/session";
import { ACCESS_TOKEN_TYP, AMR, issueAccessToken, LEGACY_AMR, verifyAccessToken, type SignInFacts } from "../../functions/core/session/tokens";
import { coreConfig, NOW } from "../support/core";

const settings = tokenSettings(coreConfig());
const USER = crypto.randomUUID();
/** A sign-in by e-mail code a minute before NOW. */
const FACTS: SignInFacts = { authTime: NOW / 1000 - 60, factor: "email", sid: crypto.randomUUID() };

describe("access token claims", () => {
  it("carry exactly sub, iss, aud, iat, exp, jti, client_id, amr, auth_time, factor and sid, as HS256 at+jwt", async () => {
    const token = await issueAccessToken(USER, settings, FACTS, NOW);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: ACCESS_TOKEN_TYP });
    expect(decodeJwt(token)).toEqual({
      sub: USER,
      iss: settings.issuer,
      aud: settings.audience,
      iat: NOW / 1000,
      exp: NOW / 1000 + settings.ttlSeconds,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_id: settings.clientId,
      amr: ["pwd", "otp", "mfa"],
      auth_time: FACTS.authTime,
      factor: "email",
      sid: FACTS.sid,
    });
    expect(AMR).toEqual({ email: ["pwd", "otp", "mfa"], sms: ["pwd", "sms", "mfa"], totp: ["pwd", "otp", "mfa"], recovery: ["pwd", "otp", "mfa"] });
    expect(decodeJwt(await issueAccessToken(USER, settings, FACTS, NOW)).jti).not.toBe(decodeJwt(token).jti);
  });

  it("say sms for an SMS code, and only pwd and otp for a session from before sign-ins were recorded", async () => {
    expect(decodeJwt(await issueAccessToken(USER, settings, { ...FACTS, factor: "sms" }, NOW))).toMatchObject({ amr: ["pwd", "sms", "mfa"], factor: "sms" });
    const legacy = decodeJwt(await issueAccessToken(USER, settings, { authTime: null, factor: null, sid: null }, NOW));
    expect(legacy.amr).toEqual([...LEGACY_AMR]);
    expect(LEGACY_AMR).toEqual(["pwd", "otp"]);
    expect(Object.keys(legacy).filter((claim) => ["auth_time", "factor", "sid"].includes(claim))).toEqual([]);
  });

  it("verify until the second they expire, and not after", async () => {
    const token = await issueAccessToken(USER, settings, FACTS, NOW);
    expect(await verifyAccessToken(token, settings, NOW)).toMatchObject({ sub: USER });
    expect(await verifyAccessToken(token, settings, NOW + (settings.ttlSeconds - 1) * 1000)).toMatchObject({ sub: USER });
    expect(await verifyAccessToken(token, settings, NOW + settings.ttlSeconds * 1000)).toBeNull();
  });

  it("are refused unsigned, under another key, of another kind, or tampered with", async () => {
    const claims = { sub: USER, amr: [...AMR.email], jti: crypto.randomUUID() };
    const build = () => new SignJWT(claims).setIssuer(settings.issuer).setAudience(settings.audience).setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 300);
    const unsigned = new UnsecuredJWT(claims).setIssuer(settings.issuer).setAudience(settings.audience).setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 300).encode();
    expect(await verifyAccessToken(unsigned, settings, NOW)).toBeNull();
    const key = await deriveKey(settings.secretKey, "jwt-access/v1");
    // The control: the right key and kind are accepted, so each refusal below is about one change.
    expect(await verifyAccessToken(await build().setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYP }).sign(key), settings, NOW)).not.toBeNull();
    expect(await verifyAccessToken(await build().setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key), settings, NOW)).toBeNull();
    expect(await verifyAccessToken(await build().setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYP }).sign(settings.secretKey), settings, NOW)).toBeNull();
    expect(await verifyAccessToken(await build().setProtectedHeader({ alg: "HS512", typ: ACCESS_TOKEN_TYP }).sign(key), settings, NOW)).toBeNull();
    const other = tokenSettings(coreConfig({ SECRET_KEY: "another-secret-key-0123456789abcdefghijklmnopq" }));
    expect(await verifyAccessToken(await issueAccessToken(USER, other, FACTS, NOW), settings, NOW)).toBeNull();
    const [header, , signature] = (await issueAccessToken(USER, settings, FACTS, NOW)).split(".");
    const forged = Buffer.from(JSON.stringify({ ...claims, iss: settings.issuer, aud: settings.audience, iat: NOW / 1000, exp: NOW / 1000 + 300, sub: crypto.randomUUID() })).toString("base64url");
    expect(await verifyAccessToken(`${header}.${forged}.${signature}`, settings, NOW)).toBeNull();
  });

  it("are refused for another audience or issuer", async () => {
    expect(await verifyAccessToken(await issueAccessToken(USER, { ...settings, audience: "someone-else" }, FACTS, NOW), settings, NOW)).toBeNull();
    expect(await verifyAccessToken(await issueAccessToken(USER, { ...settings, issuer: "https://evil.example" }, FACTS, NOW), settings, NOW)).toBeNull();
  });
});
