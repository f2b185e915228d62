// Property: an access token is a JWT of kind at+jwt, signed with the pinned
// algorithm (HS256 under a subkey of SECRET_KEY), carrying exactly sub, iss, aud,
// iat, exp (= iat + the configured lifetime), a unique jti and amr [pwd, otp];
// it is refused unsigned (alg none), under another key, of another kind, for
// another audience or issuer, tampered with, or expired (on a fixed clock, to
// the second).
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deriveKey } from "../../functions/core/crypto";
import { tokenSettings } from "../../functions/core/session/session";
import { ACCESS_TOKEN_TYP, AMR, issueAccessToken, verifyAccessToken } from "../../functions/core/session/tokens";
import { coreConfig, NOW } from "../support/core";

const settings = tokenSettings(coreConfig());
const USER = crypto.randomUUID();

describe("access token claims", () => {
  it("carry exactly sub, iss, aud, iat, exp, jti and amr, as HS256 at+jwt", async () => {
    const token = await issueAccessToken(USER, settings, NOW);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: ACCESS_TOKEN_TYP });
    expect(decodeJwt(token)).toEqual({
      sub: USER,
      iss: settings.issuer,
      aud: settings.audience,
      iat: NOW / 1000,
      exp: NOW / 1000 + settings.ttlSeconds,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      amr: [...AMR],
    });
    expect(AMR).toEqual(["pwd", "otp"]);
    expect(decodeJwt(await issueAccessToken(USER, settings, NOW)).jti).not.toBe(decodeJwt(token).jti);
  });

  it("verify until the second they expire, and not after", async () => {
    const token = await issueAccessToken(USER, settings, NOW);
    expect(await verifyAccessToken(token, settings, NOW)).toMatchObject({ sub: USER });
    expect(await verifyAccessToken(token, settings, NOW + (settings.ttlSeconds - 1) * 1000)).toMatchObject({ sub: USER });
    expect(await verifyAccessToken(token, settings, NOW + settings.ttlSeconds * 1000)).toBeNull();
  });

  it("are refused unsigned, under another key, of another kind, or tampered with", async () => {
    const claims = { sub: USER, amr: [...AMR], jti: crypto.randomUUID() };
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
    expect(await verifyAccessToken(await issueAccessToken(USER, other, NOW), settings, NOW)).toBeNull();
    const [header, , signature] = (await issueAccessToken(USER, settings, NOW)).split(".");
    const forged = Buffer.from(JSON.stringify({ ...claims, iss: settings.issuer, aud: settings.audience, iat: NOW / 1000, exp: NOW / 1000 + 300, sub: crypto.randomUUID() })).toString("base64url");
    expect(await verifyAccessToken(`${header}.${forged}.${signature}`, settings, NOW)).toBeNull();
  });

  it("are refused for another audience or issuer", async () => {
    expect(await verifyAccessToken(await issueAccessToken(USER, { ...settings, audience: "someone-else" }, NOW), settings, NOW)).toBeNull();
    expect(await verifyAccessToken(await issueAccessToken(USER, { ...settings, issuer: "https://evil.example" }, NOW), settings, NOW)).toBeNull();
  });
});
