// Property: with JWT_PRIVATE_KEY set, access tokens are signed with it (EdDSA or
// ES256) and the JWKS publishes only the public key, so other services verify
// tokens with no shared secret. With HS256 the JWKS is 404. Algorithm confusion
// (an HS256 token keyed with the public key) is refused.
import { env } from "cloudflare:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { AMR } from "../../functions/core/session/tokens";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { loginWithCode } from "../support/flows";

async function pkcs8Pem(algorithm: { name: string; namedCurve: string } | { name: "Ed25519" }): Promise<string> {
  const pair = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const base64 = btoa(String.fromCharCode(...der)).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${base64}\n-----END PRIVATE KEY-----\n`;
}

describe("JWKS", () => {
  it("is 404 not_found with HS256", async () => {
    expectError(await api("GET", "/.well-known/jwks.json"), "not_found");
  });

  it.each([
    ["EdDSA", { name: "Ed25519" } as const],
    ["ES256", { name: "ECDSA", namedCurve: "P-256" } as { name: string; namedCurve: string }],
  ])("publishes the public key and signs tokens with %s", async (alg, algorithm) => {
    const overrides = { JWT_PRIVATE_KEY: await pkcs8Pem(algorithm) };
    const jwks = await apiWith(overrides, "GET", "/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ alg, use: "sig", kid: expect.any(String) });
    expect(jwks.body.keys[0].d).toBeUndefined();

    const { challengeId, code } = await loginWithCode();
    const verified = await apiWith(overrides, "POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    expect(verified.status).toBe(200);
    const token = verified.body.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: "at+jwt", kid: jwks.body.keys[0].kid });

    // Another service verifies with the JWKS alone.
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body), { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE });
    expect(payload.amr).toEqual([...AMR.email]);
    expect((await apiWith(overrides, "GET", "/auth/me", { token })).status).toBe(200);

    // The HS256 worker does not accept it, and the asymmetric worker does not accept HS256 tokens.
    expectError(await api("GET", "/auth/me", { token }), "invalid_token");
  });

  it("refuses HS/asymmetric confusion: an HS256 token keyed with the published public key", async () => {
    const overrides = { JWT_PRIVATE_KEY: await pkcs8Pem({ name: "Ed25519" }) };
    const jwks = await apiWith(overrides, "GET", "/.well-known/jwks.json");
    const { challengeId, code } = await loginWithCode();
    const verified = await apiWith(overrides, "POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    const sub = (await apiWith(overrides, "GET", "/auth/me", { token: verified.body.access_token })).body.user.id;
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(jwks.body.keys[0]));
    const rawX = Uint8Array.from(atob(jwks.body.keys[0].x.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
    for (const key of [publicKeyBytes, rawX]) {
      const forged = await new SignJWT({ amr: [...AMR.email] })
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: jwks.body.keys[0].kid })
        .setSubject(sub)
        .setIssuer(env.JWT_ISSUER)
        .setAudience(env.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("5m")
        .setJti(crypto.randomUUID())
        .sign(key);
      expectError(await apiWith(overrides, "GET", "/auth/me", { token: forged }), "invalid_token");
    }
  });

  it("gives a clear configuration error for a key that is not Ed25519 or P-256", async () => {
    const response = await apiWith({ JWT_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }, "GET", "/.well-known/jwks.json");
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ code: "invalid_jwt_private_key", variable: "JWT_PRIVATE_KEY" });
  });
});

describe("JWT_PRIVATE_KEY as it comes from a .env file", () => {
  it.each([
    ["on one line with \\n for each line break", (pem: string) => pem.replace(/\n/g, "\\n")],
    ["on one line with no line breaks at all", (pem: string) => pem.replace(/\n/g, "")],
  ])("works %s", async (_how, flatten) => {
    const pem = await pkcs8Pem({ name: "Ed25519" });
    const jwks = await apiWith({ JWT_PRIVATE_KEY: flatten(pem) }, "GET", "/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    const reference = await apiWith({ JWT_PRIVATE_KEY: pem }, "GET", "/.well-known/jwks.json");
    expect(jwks.body).toEqual(reference.body);
  });
});
