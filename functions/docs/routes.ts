/**
 * Every route of the API, documented once, next to nothing but its schemas:
 * the request schemas are the ones the functions validate with (imported from
 * them), the responses the ones in ./schemas.ts. ./openapi.ts turns this list
 * into the OpenAPI 3.1 document; test/core/openapi.routes.test.ts fails when a
 * route of the worker is missing here, or the other way round.
 */
import type * as z from "zod/mini";
import type { ErrorCode } from "../core/errors";
import { ChangeBody, ForgotBody, ResetBody } from "../password";
import { ConfirmBody } from "../factors";
import { CodeBody, DeleteBody, LocaleBody, PhoneBody } from "../me";
import { EventsQuery } from "../events";
import { LoginBody } from "../login";
import { RegisterBody } from "../register";
import { ResendBody } from "../resend";
import { RefreshBody } from "../token";
import { VerifyBody } from "../verify";
import * as out from "./schemas";

export type Auth = "bearer" | "recent" | "health";

export interface RouteDoc {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI form: `{id}` for a path parameter. */
  path: string;
  operationId: string;
  tag: "Sign-in" | "Second factors" | "Account" | "Password" | "Sessions" | "Security log" | "Keys" | "Health";
  summary: string;
  description?: string;
  auth?: Auth;
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  pathParams?: Record<string, string>;
  /** Optional request headers this route reads, with what each does. */
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
  success: { status: 200 | 201 | 202 | 204; description: string; schema?: z.ZodMiniType; example?: unknown };
  /** A non-error answer with another status (the health checks' 503 in their own shape). */
  also?: { status: number; description: string; schema: z.ZodMiniType };
  /** Errors this route can answer beyond the ones every route shares (see openapi.ts); a status where it differs from the registry's. */
  errors: (ErrorCode | [ErrorCode, number])[];
  requestExample?: unknown;
}

const EMAIL = "jane@example.com";
const UUID = "3f6c2a9e-8d1b-4c0e-9a57-2b41d7e0c8a4";
const PROFILE = {
  user: { id: UUID, email: EMAIL, phone: "+5511987654321", locale: "pt-BR", email_verified_at: "2026-12-02T10:00:00.000Z", phone_verified_at: "2026-12-02T10:05:00.000Z", created_at: "2026-12-01T09:00:00.000Z" },
};
const CODES = ["mkyi-2mln-yudh", "pmog-2vjv-q57p", "zdfs-muob-j3lt", "gbre-2vjs-oxvk", "3qyn-et6f-je3r", "zf3d-fdxg-wvcg", "ibqg-cqxd-st63", "4b7h-asiy-qsft", "inmk-xw3o-2xad", "v6aj-rn6g-tg3r"];
const TOKENS = {
  access_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.…",
  token_type: "Bearer",
  expires_in: 900,
  refresh_token: `${UUID}.q1X…`,
  refresh_expires_in: 2592000,
};

export const ROUTES: RouteDoc[] = [
  {
    method: "post", path: "/auth/register", operationId: "register", tag: "Sign-in",
    summary: "Create an account",
    description: "E-mail (HTML's type=email rule, ASCII only), a password of 8 to 128 characters that is neither common nor found in a breach (Have I Been Pwned, k-anonymity), an optional E.164 phone, and an optional language (else Accept-Language, else DEFAULT_LOCALE).",
    body: RegisterBody,
    requestExample: { email: EMAIL, password: "a long passphrase", phone: "+5511987654321", locale: "pt-BR" },
    success: { status: 201, description: "The account.", schema: out.RegisterResponse, example: { user: { id: UUID, email: EMAIL, phone: "+5511987654321", locale: "pt-BR" } } },
    errors: ["email_taken", "rate_limited"],
  },
  {
    method: "post", path: "/auth/login", operationId: "login", tag: "Sign-in",
    summary: "Check the password and start a second-factor challenge",
    description: "With no channel: the account's authenticator app if it has one, else e-mail. Once an authenticator is active, e-mail and SMS are refused (422) unless ALLOW_WEAK_FALLBACK. An unknown e-mail, a wrong password and a locked account all answer 401 invalid_credentials, alike.",
    body: LoginBody,
    headers: {
      "Idempotency-Key": {
        description:
          "Optional, and recommended for a client that retries: a key of its own for this login (a UUID, say). A login sent again with the same key, while its challenge lives, answers that same challenge: an e-mail or SMS code is replaced by a new one (counted like a resend, without the cooldown between challenges), so a client whose first answer was lost gets a code that works; a factor that sends nothing, or a challenge at its last send, is answered as it is. A key whose sign-in has ended answers 409 idempotency_conflict.",
        schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$", examples: ["5b0e7c7e-3c1a-4f7e-9d2b-8f0a6c1e2d3f"] },
      },
    },
    requestExample: { email: EMAIL, password: "a long passphrase" },
    success: {
      status: 202, description: "A challenge; a code is on its way unless the factor sends none.", schema: out.ChallengeResponse,
      example: { challenge_id: UUID, channel: "email", destination: "j***@example.com", expires_in: 300, resend_after: 60, factors: ["email", "sms"] },
    },
    errors: ["invalid_credentials", "channel_unavailable", "idempotency_conflict", "delivery_unavailable", "delivery_failed", "rate_limited"],
  },
  {
    method: "post", path: "/auth/2fa/verify", operationId: "verify", tag: "Sign-in",
    summary: "Trade a challenge and its code for tokens",
    description: "The code is 6 digits (e-mail, SMS, authenticator app) or a recovery code. One atomic statement decides, whatever the factor.",
    body: VerifyBody,
    requestExample: { challenge_id: UUID, code: "123456" },
    success: { status: 200, description: "An access token (RFC 9068 JWT) and a rotating refresh token.", schema: out.TokenResponse, example: TOKENS },
    errors: ["invalid_code", "challenge_expired", "rate_limited"],
  },
  {
    method: "post", path: "/auth/2fa/resend", operationId: "resend", tag: "Sign-in",
    summary: "A new code for a live e-mail or SMS challenge",
    body: ResendBody,
    requestExample: { challenge_id: UUID },
    success: { status: 202, description: "The new code replaces the old one.", schema: out.ResendResponse, example: { challenge_id: UUID, channel: "email", destination: "j***@example.com", expires_in: 300, resend_after: 60 } },
    errors: ["resend_too_soon", "rate_limited", "challenge_expired", "resend_unavailable", "delivery_unavailable", "delivery_failed"],
  },
  {
    method: "post", path: "/auth/token/refresh", operationId: "refresh", tag: "Sessions",
    summary: "Rotate a refresh token into a new pair",
    description: "The old refresh token dies; presenting it again revokes the whole session (reuse detection).",
    body: RefreshBody,
    requestExample: { refresh_token: `${UUID}.q1X…` },
    success: { status: 200, description: "A new pair.", schema: out.TokenResponse, example: TOKENS },
    errors: ["invalid_token"],
  },
  {
    method: "post", path: "/auth/logout", operationId: "logout", tag: "Sessions",
    summary: "End the session of a refresh token",
    body: RefreshBody,
    requestExample: { refresh_token: `${UUID}.q1X…` },
    success: { status: 204, description: "The session is over (any of its tokens, a rotated one included, may ask)." },
    errors: ["invalid_token"],
  },
  {
    method: "get", path: "/auth/me", operationId: "getMe", tag: "Account", auth: "bearer",
    summary: "The signed-in account",
    success: {
      status: 200, description: "The profile.", schema: out.ProfileResponse,
      example: { user: { id: UUID, email: EMAIL, phone: null, locale: "en", email_verified_at: "2026-12-02T10:00:00.000Z", phone_verified_at: null, created_at: "2026-12-01T09:00:00.000Z" } },
    },
    errors: [],
  },
  {
    method: "patch", path: "/auth/me", operationId: "setLocale", tag: "Account", auth: "bearer",
    summary: "Change the language of every message",
    body: LocaleBody,
    requestExample: { locale: "pt-BR" },
    success: { status: 200, description: "The profile.", schema: out.ProfileResponse, example: PROFILE },
    errors: [],
  },
  {
    method: "delete", path: "/auth/me", operationId: "deleteAccount", tag: "Account", auth: "recent",
    summary: "Delete the account and every row of it",
    body: DeleteBody,
    requestExample: { password: "a long passphrase" },
    success: { status: 204, description: "Gone, with its sessions, factors, codes and events." },
    errors: [["invalid_credentials", 400], "rate_limited"],
  },
  {
    method: "get", path: "/auth/me/export", operationId: "exportAccount", tag: "Account", auth: "recent",
    summary: "A JSON copy of everything kept about the account (LGPD)",
    success: {
      status: 200, description: "Profile, factors (no secrets), recovery-code counts, sessions, events.", schema: out.ExportResponse,
      example: {
        profile: PROFILE.user,
        factors: [{ id: UUID, type: "totp", status: "active", created_at: "2026-12-02T10:01:00.000Z", confirmed_at: "2026-12-02T10:01:30.000Z", last_used_at: null }],
        recovery_codes: { unused: 10, used: 0 },
        sessions: [{ id: UUID, created_at: "2026-12-02T10:00:00.000Z", last_used_at: "2026-12-02T10:10:00.000Z", user_agent: "Mozilla/5.0", ip_prefix: "203.0.113.0/24", factor: "email", revoked_at: null, expires_at: "2027-01-01T10:00:00.000Z" }],
        events: [{ id: "42", type: "login_succeeded", at: "2026-12-02T10:00:00.000Z", ip_prefix: "203.0.113.0/24", user_agent: "Mozilla/5.0", factor: "email" }],
      },
    },
    errors: [],
  },
  {
    method: "put", path: "/auth/me/phone", operationId: "changePhone", tag: "Account", auth: "recent",
    summary: "Send a code to a new phone number",
    description: "The number becomes the account's only when the code comes back (POST /auth/me/phone/confirm); until then sign-in codes still go to the old one.",
    body: PhoneBody,
    requestExample: { phone: "+5511912345678" },
    success: { status: 202, description: "A code is on its way to the new number.", schema: out.PhoneChangeResponse, example: { destination: "+55*********78", expires_in: 300 } },
    errors: ["rate_limited", "delivery_unavailable", "delivery_failed"],
  },
  {
    method: "post", path: "/auth/me/phone/confirm", operationId: "confirmPhone", tag: "Account", auth: "bearer",
    summary: "Confirm the new phone number with its code",
    body: CodeBody,
    requestExample: { code: "123456" },
    success: { status: 200, description: "The profile, with the new number verified.", schema: out.ProfileResponse, example: PROFILE },
    errors: [["invalid_code", 400], "no_pending_change"],
  },
  {
    method: "get", path: "/auth/factors", operationId: "listFactors", tag: "Second factors", auth: "bearer",
    summary: "The account's factors and unused recovery codes",
    success: {
      status: 200, description: "Factors, destinations masked.", schema: out.FactorsResponse,
      example: { factors: [{ id: "email", type: "email", status: "active", destination: "j***@example.com", created_at: "2026-12-01T09:00:00.000Z", last_used_at: null }], recovery_codes_remaining: 0 },
    },
    errors: [],
  },
  {
    method: "post", path: "/auth/factors/totp", operationId: "enrolTotp", tag: "Second factors", auth: "recent",
    summary: "Enrol an authenticator app (pending until confirmed)",
    success: {
      status: 201, description: "The secret, shown once, and the otpauth:// URI an authenticator app reads.", schema: out.TotpEnrolResponse,
      example: { factor_id: UUID, secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/Innovation.ia:jane%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Innovation.ia&algorithm=SHA1&digits=6&period=30" },
    },
    errors: ["factor_exists"],
  },
  {
    method: "post", path: "/auth/factors/totp/confirm", operationId: "confirmTotp", tag: "Second factors", auth: "recent",
    summary: "Activate the authenticator app with its first code",
    body: ConfirmBody,
    requestExample: { code: "123456" },
    success: {
      status: 200, description: "Active; ten recovery codes the first time, shown once.", schema: out.TotpConfirmResponse,
      example: { factor: { id: UUID, type: "totp", status: "active", destination: null }, recovery_codes: CODES },
    },
    errors: [["invalid_code", 400], "factor_not_found"],
  },
  {
    method: "delete", path: "/auth/factors/totp", operationId: "removeTotp", tag: "Second factors", auth: "recent",
    summary: "Remove the authenticator app",
    success: { status: 204, description: "Removed; e-mail and SMS codes sign in again." },
    errors: ["factor_not_found"],
  },
  {
    method: "post", path: "/auth/recovery-codes", operationId: "regenerateRecoveryCodes", tag: "Second factors", auth: "recent",
    summary: "Ten new recovery codes; the old ones stop working",
    success: { status: 201, description: "The codes, shown once.", schema: out.RecoveryCodesResponse, example: { recovery_codes: CODES } },
    errors: [],
  },
  {
    method: "post", path: "/auth/password/forgot", operationId: "forgotPassword", tag: "Password",
    summary: "Ask for a password-reset code by e-mail",
    description: "Always 202 with the same body, known address or not; past the per-account limit nothing is sent and the answer is the same.",
    body: ForgotBody,
    requestExample: { email: EMAIL },
    success: { status: 202, description: "A reset id; a code is on its way if the account exists.", schema: out.ForgotResponse, example: { reset_id: UUID, expires_in: 900 } },
    errors: ["rate_limited", "delivery_unavailable"],
  },
  {
    method: "post", path: "/auth/password/reset", operationId: "resetPassword", tag: "Password",
    summary: "Set a new password with the reset code",
    description: "Signs nobody in and ends every session; the next sign-in asks for the password and the second factor.",
    body: ResetBody,
    requestExample: { reset_id: UUID, code: "123456", new_password: "a new long passphrase" },
    success: { status: 204, description: "The password is changed." },
    errors: ["invalid_code", "reset_expired", "rate_limited"],
  },
  {
    method: "post", path: "/auth/password/change", operationId: "changePassword", tag: "Password", auth: "bearer",
    summary: "Change the password; every other session ends",
    body: ChangeBody,
    requestExample: { current_password: "a long passphrase", new_password: "a new long passphrase" },
    success: { status: 204, description: "Changed; the caller's session survives." },
    errors: [["invalid_credentials", 400], "rate_limited"],
  },
  {
    method: "get", path: "/auth/sessions", operationId: "listSessions", tag: "Sessions", auth: "bearer",
    summary: "The account's live sessions",
    success: {
      status: 200, description: "`current` marks the caller's.", schema: out.SessionsResponse,
      example: { sessions: [{ id: UUID, created_at: "2026-12-02T10:00:00.000Z", last_used_at: "2026-12-02T10:10:00.000Z", user_agent: "Mozilla/5.0", ip_prefix: "203.0.113.0/24", amr: ["pwd", "otp", "mfa"], current: true }] },
    },
    errors: [],
  },
  {
    method: "delete", path: "/auth/sessions/{id}", operationId: "revokeSession", tag: "Sessions", auth: "bearer",
    summary: "End one session at once",
    pathParams: { id: "A session id from GET /auth/sessions." },
    success: { status: 204, description: "Its next refresh is refused." },
    errors: ["not_found"],
  },
  {
    method: "post", path: "/auth/logout-all", operationId: "logoutAll", tag: "Sessions", auth: "bearer",
    summary: "End every session of the account",
    success: { status: 204, description: "Every refresh token of the account is dead." },
    errors: [],
  },
  {
    method: "get", path: "/auth/events", operationId: "listEvents", tag: "Security log", auth: "bearer",
    summary: "The account's security log, newest first",
    query: EventsQuery,
    success: {
      status: 200, description: "A page of events and the cursor of the next (null on the last).", schema: out.EventsResponse,
      example: { events: [{ id: "42", type: "login_succeeded", at: "2026-12-02T10:00:00.000Z", ip_prefix: "203.0.113.0/24", user_agent: "Mozilla/5.0", factor: "totp" }], next_cursor: null },
    },
    errors: [],
  },
  {
    method: "get", path: "/.well-known/jwks.json", operationId: "jwks", tag: "Keys",
    summary: "The public key access tokens are signed with (JWT_PRIVATE_KEY)",
    success: {
      status: 200, description: "A JWK Set; 404 with HS256.", schema: out.JwksResponse,
      example: { keys: [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", alg: "EdDSA", use: "sig", kid: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" }] },
    },
    errors: ["not_found"],
  },
  {
    method: "get", path: "/health", operationId: "health", tag: "Health",
    summary: "For uptime monitors: one SELECT 1 within HEALTH_DB_TIMEOUT_MS",
    success: { status: 200, description: "Healthy.", schema: out.HealthResponse, example: { status: "healthy", database: "connected", email_configured: true, sms_configured: true } },
    also: { status: 503, description: "The database did not answer in time, or DATABASE_URL is missing.", schema: out.HealthResponse },
    errors: [],
  },
  {
    method: "get", path: "/health/deep", operationId: "deepHealth", tag: "Health", auth: "health",
    summary: "Really sends a test e-mail and checks Twilio (HEALTH_DEEP_TOKEN)",
    success: {
      status: 200, description: "Healthy.", schema: out.DeepHealthResponse,
      example: { status: "healthy", database: "connected", email: "sent", email_message_id: "e0Fh3g1dQ5OUa2kqV1uQ7A", sms: "ok" },
    },
    also: { status: 503, description: "A part failed; the body names it.", schema: out.DeepHealthResponse },
    errors: [["unauthorized", 401], "rate_limited"],
  },
];
