/**
 * Configuration, read from the worker's bindings (`c.env`) and checked on
 * every request. A missing or weak value becomes an error whose code names the
 * variable, never a crash deep inside a handler and never a silently weak key.
 */
import { PBKDF2_MAX_ITERATIONS } from "./account/password";
import { DEFAULT_HIBP_API_URL } from "./account/breached";
import { configInvalid, configMissing } from "./errors";
import { LOCALES, normalizeLocale, type Locale } from "./locale";

/**
 * The worker's bindings as this module reads them: any object whose string
 * properties are the variables (`Env`, or a plain record in tests). Values are
 * read by name in one place, `str`, so no caller has to cast.
 */
export type RawEnv = object;

export type Environment = "development" | "test" | "production";

export interface SendGridConfig {
  apiKey: string;
  from: string;
  apiUrl: string;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string;
  apiUrl: string;
}

export interface DatabaseConfig {
  url: string;
  /**
   * Local only: the URL of db/local/sql-http.mjs, which speaks Neon's HTTP
   * protocol in front of a plain Postgres. Unset in production (Neon's own).
   */
  httpEndpoint?: string;
  /** How long database work may take on a request (and each statement elsewhere) before the answer is 503. */
  timeoutMs: number;
}

/** At most `limit` hits per fixed window of `windowSeconds`. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface RateLimits {
  loginAccount: RateLimit;
  loginIp: RateLimit;
  verifyIp: RateLimit;
  codesAccount: RateLimit;
  smsNumber: RateLimit;
  smsIp: RateLimit;
  registerIp: RateLimit;
  resetAccount: RateLimit;
  resetIp: RateLimit;
}

export interface LockoutPolicy {
  /** Consecutive wrong codes before waits begin (one challenge's worth). */
  waitAfter: number;
  /** The first wait; it doubles every `waitAfter` further failures. */
  baseWaitSeconds: number;
  maxWaitSeconds: number;
  /** Consecutive wrong codes that lock the account (NIST SP 800-63B: at most 100). */
  lockAfter: number;
}

export interface Config {
  environment: Environment;
  database: DatabaseConfig;
  /** Signs access tokens and keys the one-time-code MACs (through derived subkeys). */
  secretKey: Uint8Array;
  /** Mixed into every password hash; kept apart from SECRET_KEY so rotating one does not touch the other. */
  pepper: Uint8Array;
  /** PBKDF2 iterations for new hashes; lowered only by the bench's equal-cost run. */
  passwordIterations: number;
  jwt: { issuer: string; audience: string; ttlSeconds: number; clientId: string };
  /**
   * FACTOR_ENCRYPTION_KEY (and, while rows are re-encrypted, the previous key):
   * seals TOTP secrets and keys recovery-code MACs. Unset: authenticator apps and
   * recovery codes are unavailable (their routes name the variable).
   */
  factorKeys?: { current: Uint8Array; previous?: Uint8Array };
  totp: { issuer: string };
  /** How recent a sign-in must be for factor management (the access token's auth_time). */
  reauthMaxAgeSeconds: number;
  /** true: e-mail and SMS codes stay usable for sign-in after an authenticator app is enrolled (weaker). */
  allowWeakFallback: boolean;
  /** The Have I Been Pwned range API (k-anonymity), or null when the check is off. */
  breachedPasswords: { apiUrl: string; minCount: number } | null;
  /** Security-log rows older than this are deleted by the cron. */
  eventsRetentionDays: number;
  /** The language of an account that states none (and whose client sends no Accept-Language we speak). */
  defaultLocale: Locale;
  otp: { ttlSeconds: number; maxAttempts: number; resendSeconds: number; maxSends: number };
  rateLimits: RateLimits;
  lockout: LockoutPolicy;
  /** Lifetime of a refresh-token family from sign-in. */
  refreshTtlSeconds: number;
  /** How long a rotated refresh token may be presented again for the same new pair (a retry whose answer was lost); 0 turns it off. */
  refreshRetryGraceSeconds: number;
  /** PKCS#8 PEM of an Ed25519 or P-256 key: tokens are then signed asymmetrically and the JWKS is published. */
  jwtPrivateKey?: string;
  sendgrid?: SendGridConfig;
  twilio?: TwilioConfig;
  health: { deepToken?: string; checkEmail?: string };
  /** Where unexpected errors are reported; unset turns monitoring off. */
  sentryDsn?: string;
  /** The delivery queue's first retry delay in seconds; it doubles per attempt up to 5 minutes. */
  deliveryRetryBaseSeconds: number;
}

export const DEFAULT_SENDGRID_API_URL = "https://api.sendgrid.com";
export const DEFAULT_TWILIO_API_URL = "https://api.twilio.com";
/** The uptime monitor pings every 30 s; a hung database must answer well inside that. */
export const HEALTH_DB_TIMEOUT_MS = 2_000;
/** A request's database work past this answers 503: long enough for a Neon compute that woke from zero. */
export const DATABASE_TIMEOUT_MS = 5_000;
/** 256 bits: the least a HS256 key or a pepper may have. */
export const MIN_SECRET_BYTES = 32;

const encoder = new TextEncoder();

function str(env: RawEnv, name: string): string | undefined {
  const value = (env as Record<string, unknown>)[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function required(env: RawEnv, name: string): string {
  const value = str(env, name);
  if (value === undefined) throw configMissing(name);
  return value;
}

function secret(env: RawEnv, name: string): Uint8Array {
  const bytes = encoder.encode(required(env, name));
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw configInvalid(name, `must be at least ${MIN_SECRET_BYTES} bytes (generate one with \`openssl rand -base64 48\`)`);
  }
  return bytes;
}

function int(env: RawEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw configInvalid(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `count/seconds`, e.g. `10/900` for ten per fifteen minutes. */
function rate(env: RawEnv, name: string, fallback: RateLimit): RateLimit {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const match = raw.match(/^(\d{1,9})\s*\/\s*(\d{1,9})$/);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || limit < 1 || windowSeconds < 1 || windowSeconds > 31 * 86_400) {
    throw configInvalid(name, "must be `count/seconds`, e.g. 10/900");
  }
  return { limit, windowSeconds };
}

function optionalSecret(env: RawEnv, name: string): Uint8Array | undefined {
  return str(env, name) === undefined ? undefined : secret(env, name);
}

function bool(env: RawEnv, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw === "true" || raw === "false") return raw === "true";
  throw configInvalid(name, "must be true or false");
}

/** The issuer shown in authenticator apps: the label's `<issuer>:` prefix, so no colon. */
function totpIssuer(env: RawEnv): string {
  const value = str(env, "TOTP_ISSUER") ?? "Innovation.ia";
  if (value.includes(":") || value.length > 64) throw configInvalid("TOTP_ISSUER", "must be at most 64 characters with no colon");
  return value;
}

function factorKeys(env: RawEnv): Config["factorKeys"] {
  const current = optionalSecret(env, "FACTOR_ENCRYPTION_KEY");
  const previous = optionalSecret(env, "FACTOR_ENCRYPTION_KEY_PREVIOUS");
  if (!current) {
    if (previous) throw configMissing("FACTOR_ENCRYPTION_KEY");
    return undefined;
  }
  return previous ? { current, previous } : { current };
}

/** HIBP_API_URL: the range API by default; `off` turns the check off (dev and the bench, which have no internet). */
function breachedPasswords(env: RawEnv): Config["breachedPasswords"] {
  if (str(env, "HIBP_API_URL") === "off") return null;
  return { apiUrl: url(env, "HIBP_API_URL", DEFAULT_HIBP_API_URL), minCount: int(env, "BREACHED_PASSWORD_MIN_COUNT", 1, 1, 1_000_000) };
}

function defaultLocale(env: RawEnv): Locale {
  const raw = str(env, "DEFAULT_LOCALE");
  if (raw === undefined) return "en";
  const locale = normalizeLocale(raw);
  if (!locale) throw configInvalid("DEFAULT_LOCALE", `must be one of ${LOCALES.join(", ")}`);
  return locale;
}

function url(env: RawEnv, name: string, fallback: string): string {
  const raw = str(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw configInvalid(name, "must be an absolute URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw configInvalid(name, "must be an http(s) URL");
  return raw.replace(/\/+$/, "");
}

function environment(env: RawEnv): Environment {
  const value = str(env, "ENVIRONMENT") ?? "production";
  if (value !== "development" && value !== "test" && value !== "production") {
    throw configInvalid("ENVIRONMENT", "must be development, test or production");
  }
  return value;
}

/** The database settings alone: what `/health` needs. */
export function loadDatabaseConfig(env: RawEnv): DatabaseConfig {
  const endpoint = str(env, "DATABASE_HTTP_ENDPOINT");
  return {
    url: required(env, "DATABASE_URL"),
    httpEndpoint: endpoint === undefined ? undefined : url(env, "DATABASE_HTTP_ENDPOINT", endpoint),
    timeoutMs: int(env, "DATABASE_TIMEOUT_MS", DATABASE_TIMEOUT_MS, 100, 60_000),
  };
}

/** SendGrid settings, or undefined when e-mail is not configured. */
export function loadSendGrid(env: RawEnv): SendGridConfig | undefined {
  const apiKey = str(env, "SENDGRID_API_KEY");
  const from = str(env, "EMAIL_FROM");
  if (!apiKey || !from) return undefined;
  return { apiKey, from, apiUrl: url(env, "SENDGRID_API_URL", DEFAULT_SENDGRID_API_URL) };
}

/** Twilio settings, or undefined when SMS is not configured. */
export function loadTwilio(env: RawEnv): TwilioConfig | undefined {
  const accountSid = str(env, "TWILIO_ACCOUNT_SID");
  const authToken = str(env, "TWILIO_AUTH_TOKEN");
  const from = str(env, "TWILIO_PHONE_NUMBER");
  if (!accountSid || !authToken || !from) return undefined;
  return { accountSid, authToken, from, apiUrl: url(env, "TWILIO_API_URL", DEFAULT_TWILIO_API_URL) };
}

/** How long `/health` waits for the database (default 2 s, well inside a 30 s monitor interval). */
export function loadHealthDbTimeout(env: RawEnv): number {
  return int(env, "HEALTH_DB_TIMEOUT_MS", HEALTH_DB_TIMEOUT_MS, 100, 20_000);
}

/**
 * CORS_ORIGINS: the exact origins (`https://app.example.com`, comma- or
 * space-separated) allowed to call the API from a browser. Empty: no CORS
 * headers at all (the default).
 */
export function loadCorsOrigins(env: RawEnv): string[] {
  const raw = str(env, "CORS_ORIGINS");
  if (raw === undefined) return [];
  return raw.split(/[\s,]+/).filter(Boolean).map((origin) => {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw configInvalid("CORS_ORIGINS", "must list exact origins such as https://app.example.com");
    }
    if ((parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.origin !== origin.replace(/\/$/, "")) {
      throw configInvalid("CORS_ORIGINS", "must list exact origins (scheme, host and optional port; no path)");
    }
    return parsed.origin;
  });
}

/** Where unexpected errors go. Never throws: monitoring must work when the rest of the configuration does not. */
export function loadMonitor(env: RawEnv): { dsn?: string; environment?: string } {
  return { dsn: str(env, "SENTRY_DSN"), environment: str(env, "ENVIRONMENT") };
}

/** How often `/health/deep` may run (it sends a real e-mail each time). */
export function loadDeepCheckLimit(env: RawEnv): RateLimit {
  return rate(env, "RATE_LIMIT_HEALTH_DEEP", { limit: 6, windowSeconds: 60 });
}

/** The full configuration for the auth routes. Throws an AuthError naming the first bad variable. */
export function loadConfig(env: RawEnv): Config {
  return {
    environment: environment(env),
    database: loadDatabaseConfig(env),
    secretKey: secret(env, "SECRET_KEY"),
    pepper: secret(env, "PASSWORD_PEPPER"),
    passwordIterations: int(env, "PASSWORD_ITERATIONS", PBKDF2_MAX_ITERATIONS, 1_000, PBKDF2_MAX_ITERATIONS),
    jwt: {
      issuer: str(env, "JWT_ISSUER") ?? "innovation-ia-auth",
      audience: str(env, "JWT_AUDIENCE") ?? "innovation-ia",
      ttlSeconds: int(env, "ACCESS_TOKEN_TTL_SECONDS", 900, 60, 3600),
      clientId: str(env, "JWT_CLIENT_ID") ?? "innovation-ia",
    },
    factorKeys: factorKeys(env),
    totp: { issuer: totpIssuer(env) },
    reauthMaxAgeSeconds: int(env, "REAUTH_MAX_AGE_SECONDS", 600, 60, 86_400),
    allowWeakFallback: bool(env, "ALLOW_WEAK_FALLBACK", false),
    breachedPasswords: breachedPasswords(env),
    eventsRetentionDays: int(env, "AUTH_EVENTS_RETENTION_DAYS", 90, 1, 3650),
    defaultLocale: defaultLocale(env),
    otp: {
      ttlSeconds: int(env, "OTP_TTL_SECONDS", 300, 30, 3600),
      maxAttempts: int(env, "OTP_MAX_ATTEMPTS", 5, 1, 20),
      resendSeconds: int(env, "OTP_RESEND_SECONDS", 60, 0, 3600),
      maxSends: int(env, "OTP_MAX_SENDS", 5, 1, 20),
    },
    rateLimits: {
      loginAccount: rate(env, "RATE_LIMIT_LOGIN_ACCOUNT", { limit: 10, windowSeconds: 900 }),
      loginIp: rate(env, "RATE_LIMIT_LOGIN_IP", { limit: 30, windowSeconds: 60 }),
      verifyIp: rate(env, "RATE_LIMIT_VERIFY_IP", { limit: 30, windowSeconds: 60 }),
      codesAccount: rate(env, "RATE_LIMIT_CODES_ACCOUNT", { limit: 5, windowSeconds: 1800 }),
      smsNumber: rate(env, "RATE_LIMIT_SMS_NUMBER", { limit: 10, windowSeconds: 86_400 }),
      smsIp: rate(env, "RATE_LIMIT_SMS_IP", { limit: 20, windowSeconds: 86_400 }),
      registerIp: rate(env, "RATE_LIMIT_REGISTER_IP", { limit: 10, windowSeconds: 3600 }),
      resetAccount: rate(env, "RATE_LIMIT_RESET_ACCOUNT", { limit: 3, windowSeconds: 3600 }),
      resetIp: rate(env, "RATE_LIMIT_RESET_IP", { limit: 10, windowSeconds: 3600 }),
    },
    lockout: {
      waitAfter: 5,
      baseWaitSeconds: 30,
      maxWaitSeconds: 3600,
      lockAfter: int(env, "LOCKOUT_THRESHOLD", 100, 10, 100),
    },
    refreshTtlSeconds: int(env, "REFRESH_TOKEN_TTL_SECONDS", 30 * 86_400, 3600, 90 * 86_400),
    refreshRetryGraceSeconds: int(env, "REFRESH_RETRY_GRACE_SECONDS", 10, 0, 60),
    // A PEM pasted into .env on one line keeps its line breaks as the two characters `\n`.
    jwtPrivateKey: str(env, "JWT_PRIVATE_KEY")?.replace(/\\n/g, "\n"),
    sendgrid: loadSendGrid(env),
    twilio: loadTwilio(env),
    health: { deepToken: str(env, "HEALTH_DEEP_TOKEN"), checkEmail: str(env, "HEALTH_CHECK_EMAIL") },
    sentryDsn: str(env, "SENTRY_DSN"),
    deliveryRetryBaseSeconds: int(env, "DELIVERY_RETRY_BASE_SECONDS", 5, 0, 300),
  };
}
