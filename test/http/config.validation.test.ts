// Property: configuration is checked on every request. A missing or weak
// variable is a 500 whose error code names it, never a crash or a weak key.
import { describe, expect, it } from "vitest";
import { apiWith } from "../support/api";
import { PASSWORD, uniqueEmail } from "../support/flows";

const login = { body: { email: uniqueEmail(), password: PASSWORD } };

describe("configuration errors", () => {
  it.each([
    ["SECRET_KEY", { SECRET_KEY: undefined }, "missing_secret_key"],
    ["PASSWORD_PEPPER", { PASSWORD_PEPPER: "" }, "missing_password_pepper"],
    ["DATABASE_URL", { DATABASE_URL: undefined }, "missing_database_url"],
  ])("names a missing %s", async (variable, overrides, code) => {
    const response = await apiWith(overrides, "POST", "/auth/login", login);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code, message: expect.stringContaining(variable), variable } });
  });

  it.each([
    ["SECRET_KEY", { SECRET_KEY: "x".repeat(31) }, "invalid_secret_key"],
    ["PASSWORD_PEPPER", { PASSWORD_PEPPER: "short" }, "invalid_password_pepper"],
    ["OTP_TTL_SECONDS", { OTP_TTL_SECONDS: "five minutes" }, "invalid_otp_ttl_seconds"],
    ["PASSWORD_ITERATIONS", { PASSWORD_ITERATIONS: "600000" }, "invalid_password_iterations"],
    ["ENVIRONMENT", { ENVIRONMENT: "staging" }, "invalid_environment"],
    ["DATABASE_TIMEOUT_MS", { DATABASE_TIMEOUT_MS: "soon" }, "invalid_database_timeout_ms"],
    ["DATABASE_TIMEOUT_MS", { DATABASE_TIMEOUT_MS: "99" }, "invalid_database_timeout_ms"],
    ["DATABASE_TIMEOUT_MS", { DATABASE_TIMEOUT_MS: "60001" }, "invalid_database_timeout_ms"],
    ["DATABASE_HTTP_ENDPOINT", { DATABASE_HTTP_ENDPOINT: "127.0.0.1:9/sql" }, "invalid_database_http_endpoint"],
    ["REFRESH_RETRY_GRACE_SECONDS", { REFRESH_RETRY_GRACE_SECONDS: "61" }, "invalid_refresh_retry_grace_seconds"],
  ])("refuses a weak or malformed %s", async (variable, overrides, code) => {
    const response = await apiWith(overrides, "POST", "/auth/login", login);
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ code, variable });
  });
});
