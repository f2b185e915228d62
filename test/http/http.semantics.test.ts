// Property: the API speaks HTTP as the RFCs say. A known path with another
// method is 405 with Allow (RFC 9110 §15.5.6); every 401 carries a
// WWW-Authenticate challenge, with error="invalid_token" when a bearer token was
// refused (RFC 6750 §3); a body of the wrong type says which type was expected;
// e-mail addresses follow HTML's type=email rule, ASCII only; CORS is off
// unless CORS_ORIGINS names the origin, and never in credentials mode.
import { describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, uniqueEmail } from "../support/flows";

describe("methods", () => {
  it.each([
    ["PUT", "/auth/login", "POST"],
    ["GET", "/auth/2fa/verify", "POST"],
    ["POST", "/health", "GET, HEAD"],
    ["DELETE", "/auth/sessions", "GET, HEAD"],
    ["POST", "/auth/me", "GET, HEAD, PATCH, DELETE"],
  ])("%s %s is 405 method_not_allowed with Allow: %s", async (method, path, allow) => {
    const response = await api(method, path);
    expectError(response, "method_not_allowed");
    expect(response.headers.get("allow")!.split(", ").sort()).toEqual(allow.split(", ").sort());
  });

  it("an unknown path is still 404", async () => {
    expectError(await api("GET", "/auth/nothing-here"), "not_found");
  });
});

describe("401 challenges", () => {
  it("carry WWW-Authenticate: Bearer, with error=invalid_token when a token was refused", async () => {
    const none = await api("GET", "/auth/sessions");
    expectError(none, "invalid_token");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="innovation-ia-auth"');
    const bad = await api("GET", "/auth/sessions", { token: "not.a.token" });
    expect(bad.headers.get("www-authenticate")).toBe('Bearer realm="innovation-ia-auth", error="invalid_token"');
    // The credential failures of sign-in keep their 401, with the challenge too.
    const login = await api("POST", "/auth/login", { body: { email: uniqueEmail(), password: PASSWORD } });
    expectError(login, "invalid_credentials");
    expect(login.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
  });
});

describe("type errors", () => {
  it.each([
    [{ email: "a@b.co", password: PASSWORD, phone: null }, "phone", "Expected a string, got null."],
    [{ email: 42, password: PASSWORD }, "email", "Expected a string, got a number."],
    [{ password: PASSWORD }, "email", "Required."],
    [[], "(body)", "Expected an object, got an array."],
    [null, "(body)", "Expected an object, got null."],
  ])("%j says what was expected", async (body, field, message) => {
    const response = await api("POST", "/auth/register", { raw: JSON.stringify(body), contentType: "application/json" });
    expectError(response, "invalid_request");
    expect(response.body.error.details).toContainEqual({ field, message });
  });
});

describe("e-mail addresses", () => {
  it.each(["a&b@example.com", "o'brien@example.com", "x+tag@sub.example.co", "first.last@localhost"])("accepts %s (HTML type=email)", async (email) => {
    const unique = email.replace("@", `.${crypto.randomUUID().slice(0, 8)}@`);
    const response = await api("POST", "/auth/register", { body: { email: unique, password: PASSWORD } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  });

  it.each(["josé@example.com", "user@exämple.com", "用户@例子.广告"])("refuses the internationalised %s, saying why", async (email) => {
    const response = await api("POST", "/auth/register", { body: { email, password: PASSWORD } });
    expectError(response, "invalid_request");
    expect(response.body.error.details[0].message).toMatch(/ASCII/);
  });

  it.each(["plain", "a@", "@b.com", "a@-b.com", "a b@c.com", "a@b..com"])("refuses the malformed %s", async (email) => {
    const response = await api("POST", "/auth/register", { body: { email, password: PASSWORD } });
    expectError(response, "invalid_request");
    expect(response.body.error.details[0]).toEqual({ field: "email", message: "Not a valid e-mail address." });
  });
});

describe("CORS", () => {
  const allowed = { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" };

  it("is off by default: no CORS headers, even for a preflight", async () => {
    const preflight = await api("OPTIONS", "/auth/login", { headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight from a listed origin with the methods and headers, without credentials", async () => {
    const preflight = await apiWith(allowed, "OPTIONS", "/auth/login", {
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization, idempotency-key" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase().split(/,\s*/)).toEqual(expect.arrayContaining(["authorization", "content-type", "idempotency-key"]));
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const actual = await apiWith(allowed, "GET", "/health", { headers: { origin: "https://admin.example.com" } });
    expect(actual.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect(actual.headers.get("access-control-expose-headers")).toMatch(/x-request-id/i);
  });

  it("gives an unlisted origin nothing", async () => {
    const response = await apiWith(allowed, "GET", "/health", { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
