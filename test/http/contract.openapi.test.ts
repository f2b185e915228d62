// Property: the service answers as the OpenAPI document it serves says. A run
// through every operation, its success and its usual failures, is checked by
// openapi-backend (../support/contract.ts): each status is one the operation
// lists, each content type and body match the document (response objects are
// closed, so an undocumented field fails too), and header types hold. The
// fuzz suite puts its 3,000 hostile requests through the same check. The
// first block proves the check itself can fail.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../functions/core/errors";
import type { ApiResponse } from "../support/api";
import { checkedApi as call, checkedApiWith as callWith, contractMismatches } from "../support/contract";
import { latestCode, PASSWORD, signIn, signInAgain, uniqueEmail, uniquePhone } from "../support/flows";
import { authenticatorFrom, awayFromStepEdge, codeAt } from "../support/totp";

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse => ({
  status,
  headers: new Headers({ "content-type": "application/json", "x-request-id": "a-request", ...headers }),
  body,
});
const error = (code: keyof typeof ERRORS) => ({ error: { code, message: ERRORS[code].message } });
const HEALTHY = { status: "healthy", database: "connected", email_configured: true, sms_configured: true };

describe("the contract check", () => {
  it("passes a documented answer and names each way an answer differs", async () => {
    expect(await contractMismatches("GET", "/health", json(200, HEALTHY))).toEqual([]);
    const problems = async (method: string, path: string, response: ApiResponse) => (await contractMismatches(method, path, response)).join("\n");
    expect(await problems("GET", "/health", json(418, HEALTHY))).toMatch(/status 418 is not documented/);
    expect(await problems("GET", "/health", { ...json(200, HEALTHY), headers: new Headers({ "content-type": "text/html", "x-request-id": "r" }) })).toMatch(/content type text\/html/);
    expect(await problems("GET", "/health", { ...json(200, HEALTHY), headers: new Headers({ "content-type": "application/json" }) })).toMatch(/no X-Request-Id header/);
    expect(await problems("GET", "/health", json(200, { ...HEALTHY, secret: "x" }))).toMatch(/additional properties \(secret\)/);
    expect(await problems("GET", "/health", json(200, { ...HEALTHY, database: "maybe" }))).toMatch(/body\/database must be equal to one of the allowed values/);
    expect(await problems("POST", "/auth/login", json(401, error("invalid_code")))).toMatch(/body\/error\/code must be equal to one of the allowed values/);
    expect(await problems("POST", "/auth/login", json(429, error("rate_limited"), { "retry-after": "soon" }))).toMatch(/header .*retry-after must be integer/);
    expect(await problems("POST", "/auth/login", json(429, error("rate_limited")))).toMatch(/no Retry-After header/);
    expect(await problems("GET", "/auth/me", json(401, error("invalid_token")))).toMatch(/no WWW-Authenticate header/);
    expect(await problems("POST", "/auth/logout", json(204, { done: true }))).toMatch(/documented without a body/);
    expect(await problems("GET", "/nowhere", json(200, {}))).toMatch(/no operation takes GET \/nowhere/);
    expect(await problems("PUT", "/health", json(405, error("method_not_allowed")))).toMatch(/without an Allow header/);
    expect(await problems("GET", "/auth/sessions/abc/def", json(204, ""))).toMatch(/no operation/);
  });
});

describe("every operation answers as documented", () => {
  it("sign-in, account, second factors, sessions and the security log", async () => {
    const email = uniqueEmail("contract");

    expect((await call("POST", "/auth/register", { body: { email, password: PASSWORD, phone: uniquePhone() } })).status).toBe(201);
    expect((await call("POST", "/auth/register", { body: { email, password: PASSWORD } })).status).toBe(409);
    expect((await call("POST", "/auth/register", { body: { email: "not an address", password: "short" } })).status).toBe(400);
    expect((await call("POST", "/auth/register", { raw: "{", contentType: "application/json" })).status).toBe(400);
    expect((await call("POST", "/auth/register", { raw: "email=a", contentType: "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await call("POST", "/auth/login", { body: { email, password: "not the password" } })).status).toBe(401);
    const login = await call("POST", "/auth/login", { body: { email, password: PASSWORD } });
    expect(login.status).toBe(202);
    expect((await call("POST", "/auth/2fa/resend", { body: { challenge_id: login.body.challenge_id } })).status).toBe(429);
    const code = await latestCode(email);
    expect((await call("POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code: wrongOf(code) } })).status).toBe(401);
    const tokens = await call("POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code } });
    expect(tokens.status).toBe(200);
    const token = tokens.body.access_token as string;

    expect((await call("GET", "/auth/me", { token })).status).toBe(200);
    expect((await call("GET", "/auth/me")).status).toBe(401);
    expect((await call("GET", "/auth/me", { token: `${token}x` })).status).toBe(401);
    expect((await call("PATCH", "/auth/me", { token, body: { locale: "pt-BR" } })).status).toBe(200);
    expect((await call("GET", "/auth/me/export", { token })).status).toBe(200);
    const newPhone = uniquePhone();
    expect((await call("PUT", "/auth/me/phone", { token, body: { phone: newPhone } })).status).toBe(202);
    const phoneCode = await latestCode(newPhone);
    expect((await call("POST", "/auth/me/phone/confirm", { token, body: { code: wrongOf(phoneCode) } })).status).toBe(400);
    expect((await call("POST", "/auth/me/phone/confirm", { token, body: { code: phoneCode } })).status).toBe(200);
    expect((await call("POST", "/auth/me/phone/confirm", { token, body: { code: phoneCode } })).status).toBe(404);

    expect((await call("GET", "/auth/factors", { token })).status).toBe(200);
    const enrolled = await call("POST", "/auth/factors/totp", { token });
    expect(enrolled.status).toBe(201);
    const now = await awayFromStepEdge();
    expect((await call("POST", "/auth/factors/totp/confirm", { token, body: { code: codeAt(authenticatorFrom(enrolled.body.otpauth_uri), now) } })).status).toBe(200);
    expect((await call("POST", "/auth/factors/totp", { token })).status).toBe(409);
    expect((await call("POST", "/auth/recovery-codes", { token })).status).toBe(201);
    expect((await call("DELETE", "/auth/factors/totp", { token })).status).toBe(204);
    expect((await call("DELETE", "/auth/factors/totp", { token })).status).toBe(404);

    expect((await call("GET", "/auth/sessions", { token })).status).toBe(200);
    expect((await call("DELETE", `/auth/sessions/${crypto.randomUUID()}`, { token })).status).toBe(404);
    const events = await call("GET", "/auth/events?limit=2", { token });
    expect(events.status).toBe(200);
    expect((await call("GET", `/auth/events?limit=2&before=${events.body.next_cursor}`, { token })).status).toBe(200);
    expect((await call("GET", "/auth/events?limit=0", { token })).status).toBe(400);
    expect((await call("POST", "/auth/token/refresh", { body: { refresh_token: tokens.body.refresh_token } })).status).toBe(200);
    // Reuse of the rotated token past the retry grace: 401, and the session ends.
    const noGrace = { REFRESH_RETRY_GRACE_SECONDS: "0" };
    expect((await callWith(noGrace, "POST", "/auth/token/refresh", { body: { refresh_token: tokens.body.refresh_token } })).status).toBe(401);
    expect((await call("POST", "/auth/logout", { body: { refresh_token: "not a token" } })).status).toBe(401);
  });

  it("password change and reset, ending sessions, deleting the account", async () => {
    const { user, accessToken } = await signIn();
    const changed = "contract check passphrase 1";
    expect((await call("POST", "/auth/password/change", { token: accessToken, body: { current_password: "not it", new_password: changed } })).status).toBe(400);
    expect((await call("POST", "/auth/password/change", { token: accessToken, body: { current_password: PASSWORD, new_password: changed } })).status).toBe(204);
    expect((await call("POST", "/auth/logout-all", { token: accessToken })).status).toBe(204);

    const forgot = await call("POST", "/auth/password/forgot", { body: { email: user.email } });
    expect(forgot.status).toBe(202);
    const resetCode = await latestCode(user.email, 2); // the sign-in's, then the reset's
    const reset = (code: string) => call("POST", "/auth/password/reset", { body: { reset_id: forgot.body.reset_id, code, new_password: PASSWORD } });
    expect((await reset(wrongOf(resetCode))).status).toBe(401);
    expect((await reset(resetCode)).status).toBe(204);
    expect((await reset(resetCode)).status).toBe(401);

    const again = await signInAgain(user);
    expect((await call("POST", "/auth/logout", { body: { refresh_token: again.refreshToken } })).status).toBe(204);
    const last = await signInAgain(user);
    expect((await call("DELETE", "/auth/me", { token: last.accessToken, body: { password: "not it" } })).status).toBe(400);
    expect((await call("DELETE", "/auth/me", { token: last.accessToken, body: { password: PASSWORD } })).status).toBe(204);
  });

  it("keys and health, and the answers no operation gives", async () => {
    expect((await call("GET", "/.well-known/jwks.json")).status).toBe(404);
    expect((await callWith({ JWT_PRIVATE_KEY: await ed25519Pem() }, "GET", "/.well-known/jwks.json")).status).toBe(200);
    expect((await call("GET", "/health")).status).toBe(200);
    expect((await callWith({ DATABASE_URL: undefined }, "GET", "/health")).status).toBe(503);
    expect((await call("GET", "/health/deep")).status).toBe(401);
    expect((await callWith({ HEALTH_CHECK_EMAIL: uniqueEmail("monitor") }, "GET", "/health/deep", { token: env.HEALTH_DEEP_TOKEN })).status).toBe(200);
    expect((await callWith({ SECRET_KEY: undefined }, "POST", "/auth/login", { body: { email: uniqueEmail(), password: PASSWORD } })).status).toBe(500);
    expect((await call("GET", "/auth/nothing-here")).status).toBe(404);
    expect((await call("PUT", "/health")).status).toBe(405);
    expect((await call("HEAD", "/health")).status).toBe(200);
    const origin = "https://app.example.test";
    const preflight = await callWith({ CORS_ORIGINS: origin }, "OPTIONS", "/auth/login", {
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
  });
});

const wrongOf = (code: string) => (code === "000000" ? "111111" : "000000");

async function ed25519Pem(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  return `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der)).replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`;
}
