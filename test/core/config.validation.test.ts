// Property: configuration is checked once per request and fails loudly. Every
// numeric variable is a whole number within its range (each bound accepted,
// one past it refused); every rate limit is `count/seconds`; provider URLs are
// http(s); secrets have at least 32 bytes; a required variable that is missing
// is config_missing, anything unusable config_invalid, each with a code that
// names the variable (the signing key when it is first used). Unset variables
// take their documented defaults.
import { describe, expect, it } from "vitest";
import { DATABASE_TIMEOUT_MS, loadConfig, loadDeepCheckLimit, loadHealthDbTimeout, MIN_SECRET_BYTES, type RawEnv } from "../../functions/core/config";
import { AuthError, ERRORS, type ErrorCode } from "../../functions/core/errors";
import { signingKeys } from "../../functions/core/session/tokens";
import { BINDINGS } from "../support/core";

/** The error a loader throws for these bindings; fails the test if it throws nothing. */
function configError(load: (env: RawEnv) => unknown, overrides: Record<string, string | undefined>): AuthError {
  try {
    load({ ...BINDINGS, ...overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

function expectRefused(load: (env: RawEnv) => unknown, name: string, value: string | undefined, kind: ErrorCode = "config_invalid") {
  const error = configError(load, { [name]: value });
  expect(error.kind, `${name}=${value}`).toBe(kind);
  expect(error.status).toBe(ERRORS[kind].status);
  expect(error.code).toBe(`${kind === "config_missing" ? "missing" : "invalid"}_${name.toLowerCase()}`);
  expect(error.extras).toEqual({ variable: name });
  expect(error.message).toContain(name);
}

const INTEGERS: [name: string, min: number, max: number, read: (env: RawEnv) => number][] = [
  ["PASSWORD_ITERATIONS", 1_000, 100_000, (env) => loadConfig(env).passwordIterations],
  ["ACCESS_TOKEN_TTL_SECONDS", 60, 3_600, (env) => loadConfig(env).jwt.ttlSeconds],
  ["OTP_TTL_SECONDS", 30, 3_600, (env) => loadConfig(env).otp.ttlSeconds],
  ["OTP_MAX_ATTEMPTS", 1, 20, (env) => loadConfig(env).otp.maxAttempts],
  ["OTP_RESEND_SECONDS", 0, 3_600, (env) => loadConfig(env).otp.resendSeconds],
  ["OTP_MAX_SENDS", 1, 20, (env) => loadConfig(env).otp.maxSends],
  ["LOCKOUT_THRESHOLD", 10, 100, (env) => loadConfig(env).lockout.lockAfter],
  ["REFRESH_TOKEN_TTL_SECONDS", 3_600, 90 * 86_400, (env) => loadConfig(env).refreshTtlSeconds],
  ["DELIVERY_RETRY_BASE_SECONDS", 0, 300, (env) => loadConfig(env).deliveryRetryBaseSeconds],
  ["HEALTH_DB_TIMEOUT_MS", 100, 20_000, loadHealthDbTimeout],
];

const RATES: [name: string, read: (env: RawEnv) => unknown][] = [
  ["RATE_LIMIT_LOGIN_ACCOUNT", (env) => loadConfig(env).rateLimits.loginAccount],
  ["RATE_LIMIT_LOGIN_IP", (env) => loadConfig(env).rateLimits.loginIp],
  ["RATE_LIMIT_VERIFY_IP", (env) => loadConfig(env).rateLimits.verifyIp],
  ["RATE_LIMIT_CODES_ACCOUNT", (env) => loadConfig(env).rateLimits.codesAccount],
  ["RATE_LIMIT_SMS_NUMBER", (env) => loadConfig(env).rateLimits.smsNumber],
  ["RATE_LIMIT_SMS_IP", (env) => loadConfig(env).rateLimits.smsIp],
  ["RATE_LIMIT_REGISTER_IP", (env) => loadConfig(env).rateLimits.registerIp],
  ["RATE_LIMIT_HEALTH_DEEP", loadDeepCheckLimit],
];

describe("numeric variables", () => {
  it.each(INTEGERS)("%s accepts %i to %i, whole numbers only", (name, min, max, read) => {
    expect(read({ ...BINDINGS, [name]: String(min) })).toBe(min);
    expect(read({ ...BINDINGS, [name]: ` ${max} ` })).toBe(max);
    for (const bad of [String(min - 1), String(max + 1), `${min}.5`, "ten", "1e3x", "-"]) expectRefused(read, name, bad);
  });
});

describe("rate limits", () => {
  it.each(RATES)("%s is count/seconds, both at least 1, windows up to 31 days", (name, read) => {
    expect(read({ ...BINDINGS, [name]: "7 / 120" })).toEqual({ limit: 7, windowSeconds: 120 });
    expect(read({ ...BINDINGS, [name]: `1/${31 * 86_400}` })).toEqual({ limit: 1, windowSeconds: 31 * 86_400 });
    for (const bad of ["0/60", "5/0", `5/${31 * 86_400 + 1}`, "5", "5/60/2", "-1/60", "five/60", "1.5/60"]) expectRefused(read, name, bad);
  });
});

describe("secrets, URLs, the environment and the database", () => {
  it.each(["SECRET_KEY", "PASSWORD_PEPPER"])("%s is required and at least 32 bytes", (name) => {
    expectRefused(loadConfig, name, undefined, "config_missing");
    expectRefused(loadConfig, name, "   ", "config_missing");
    expectRefused(loadConfig, name, "s".repeat(MIN_SECRET_BYTES - 1));
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(() => loadConfig({ ...BINDINGS, [name]: "€".repeat(11) })).not.toThrow();
  });

  it("requires DATABASE_URL", () => {
    expectRefused(loadConfig, "DATABASE_URL", undefined, "config_missing");
  });

  it.each(["SENDGRID_API_URL", "TWILIO_API_URL"])("%s must be an absolute http(s) URL", (name) => {
    for (const bad of ["not a url", "ftp://provider.example", "/relative"]) expectRefused(loadConfig, name, bad);
    expect(() => loadConfig({ ...BINDINGS, [name]: "http://127.0.0.1:9/" })).not.toThrow();
  });

  it("refuses a JWT_PRIVATE_KEY that is not a PKCS#8 Ed25519 or P-256 key, when tokens are signed", async () => {
    const config = loadConfig({ ...BINDINGS, JWT_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" });
    const error = await signingKeys({ secretKey: config.secretKey, privateKeyPem: config.jwtPrivateKey }).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ kind: "config_invalid" satisfies ErrorCode, code: "invalid_jwt_private_key", extras: { variable: "JWT_PRIVATE_KEY" } });
  });

  it("knows three environments, production by default", () => {
    expectRefused(loadConfig, "ENVIRONMENT", "staging");
    expect(loadConfig({ ...BINDINGS, ENVIRONMENT: undefined }).environment).toBe("production");
    expect(loadConfig({ ...BINDINGS, ENVIRONMENT: "development" }).environment).toBe("development");
  });

  it("treats an empty or blank value as unset, and a provider as configured only when complete", () => {
    const config = loadConfig({ ...BINDINGS, OTP_TTL_SECONDS: "", TWILIO_AUTH_TOKEN: " ", EMAIL_FROM: undefined, DATABASE_HTTP_ENDPOINT: "", DATABASE_TIMEOUT_MS: " " });
    expect(config.otp.ttlSeconds).toBe(300);
    expect(config.twilio).toBeUndefined();
    expect(config.sendgrid).toBeUndefined();
    expect(config.database).toEqual({ url: BINDINGS.DATABASE_URL, httpEndpoint: undefined, timeoutMs: DATABASE_TIMEOUT_MS });
  });
});

describe("defaults", () => {
  it("are the documented ones", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://x", SECRET_KEY: BINDINGS.SECRET_KEY, PASSWORD_PEPPER: BINDINGS.PASSWORD_PEPPER });
    expect(config).toMatchObject({
      environment: "production",
      passwordIterations: 100_000,
      jwt: { issuer: "innovation-ia-auth", audience: "innovation-ia", ttlSeconds: 900 },
      otp: { ttlSeconds: 300, maxAttempts: 5, resendSeconds: 60, maxSends: 5 },
      rateLimits: {
        loginAccount: { limit: 10, windowSeconds: 900 },
        loginIp: { limit: 30, windowSeconds: 60 },
        verifyIp: { limit: 30, windowSeconds: 60 },
        codesAccount: { limit: 5, windowSeconds: 1_800 },
        smsNumber: { limit: 10, windowSeconds: 86_400 },
        smsIp: { limit: 20, windowSeconds: 86_400 },
        registerIp: { limit: 10, windowSeconds: 3_600 },
      },
      lockout: { waitAfter: 5, baseWaitSeconds: 30, maxWaitSeconds: 3_600, lockAfter: 100 },
      refreshTtlSeconds: 30 * 86_400,
      deliveryRetryBaseSeconds: 5,
    });
    expect(config.health).toEqual({ deepToken: undefined, checkEmail: undefined });
    expect(config.sendgrid).toBeUndefined();
    expect(config.twilio).toBeUndefined();
    expect(loadHealthDbTimeout({})).toBe(2_000);
    expect(loadDeepCheckLimit({})).toEqual({ limit: 6, windowSeconds: 60 });
  });
});
