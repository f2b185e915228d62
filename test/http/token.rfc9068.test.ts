// Property: access tokens are RFC 9068 JWT access tokens, as judged by a strict
// validator nobody here wrote (oauth4webapi's validateJwtAccessToken): typ
// at+jwt, iss, exp, aud, sub, client_id, iat and jti present and of the right
// type, signed with a key from the published JWKS. Before client_id was added it
// refused them (RFC 9068 §2.2).
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { apiWith } from "../support/api";
import { latestCode, registerUser } from "../support/flows";

async function ed25519Pem(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  return `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----\n`;
}

describe("RFC 9068", () => {
  it("a strict validator accepts the access token, with its JWKS fetched from the service", async () => {
    const overrides = { JWT_PRIVATE_KEY: await ed25519Pem() };
    const user = await registerUser();
    const login = await apiWith(overrides, "POST", "/auth/login", { body: { email: user.email, password: user.password } });
    const verified = await apiWith(overrides, "POST", "/auth/2fa/verify", {
      body: { challenge_id: login.body.challenge_id, code: await latestCode(user.email) },
    });
    expect(verified.status).toBe(200);

    const server: oauth.AuthorizationServer = { issuer: env.JWT_ISSUER, jwks_uri: "http://auth.test/.well-known/jwks.json" };
    const request = new Request("http://api.example/resource", { headers: { authorization: `Bearer ${verified.body.access_token}` } });
    const claims = await oauth.validateJwtAccessToken(server, request, env.JWT_AUDIENCE, {
      [oauth.allowInsecureRequests]: true,
      // The JWKS comes from this worker, with the same key configured.
      [oauth.customFetch]: async (url, init) => {
        const ctx = createExecutionContext();
        const response = await worker.fetch(new Request(url, init as RequestInit), { ...env, ...overrides } as Env, ctx);
        await waitOnExecutionContext(ctx);
        return response;
      },
    });
    expect(claims).toMatchObject({ iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, client_id: "innovation-ia", sub: user.id, factor: "email" });
    expect(typeof claims.auth_time).toBe("number");
  });
});
