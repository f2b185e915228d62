/**
 * The single registry of error codes. Every error the API returns is one of
 * these: a stable snake_case code, an HTTP status and a message for humans.
 * Handlers and tests refer to the constants, never to string literals.
 */
export const ERRORS = {
  invalid_request: { status: 400, message: "The request body is invalid." },
  invalid_json: { status: 400, message: "The request body is not valid JSON." },
  unsupported_media_type: { status: 415, message: "Send the body as application/json." },
  payload_too_large: { status: 413, message: "The request body is too large." },
  not_found: { status: 404, message: "No such route." },
  method_not_allowed: { status: 405, message: "This method is not allowed on this route." },
  email_taken: { status: 409, message: "An account with this e-mail already exists." },
  idempotency_conflict: { status: 409, message: "This Idempotency-Key belongs to a sign-in that has ended. Log in again with a new key." },
  invalid_credentials: { status: 401, message: "E-mail or password is incorrect." },
  channel_unavailable: { status: 422, message: "This sign-in method is not available for this account." },
  resend_unavailable: { status: 422, message: "This challenge sends no code; use your authenticator app or a recovery code." },
  factor_exists: { status: 409, message: "An authenticator app is already active on this account. Remove it first." },
  factor_not_found: { status: 404, message: "No such factor on this account, or no enrolment waiting to be confirmed." },
  reauthentication_required: { status: 403, message: "Sign in again: this needs a recent sign-in." },
  reset_expired: { status: 401, message: "This password reset has expired or was already used. Ask for a new code." },
  no_pending_change: { status: 404, message: "No phone change is waiting for a code. Start again." },
  delivery_failed: { status: 502, message: "The one-time code could not be delivered. Try again." },
  delivery_unavailable: { status: 503, message: "Codes by this channel are not available right now. Try another sign-in method or try later." },
  invalid_code: { status: 401, message: "The one-time code is incorrect." },
  challenge_expired: { status: 401, message: "This challenge has expired or was already used. Log in again." },
  resend_too_soon: { status: 429, message: "Wait before asking for another code." },
  rate_limited: { status: 429, message: "Too many requests. Try again later." },
  invalid_token: { status: 401, message: "The access token is missing, invalid or expired." },
  unauthorized: { status: 401, message: "Missing or wrong credentials for this endpoint." },
  config_missing: { status: 500, message: "The server is misconfigured: a required variable is not set." },
  config_invalid: { status: 500, message: "The server is misconfigured: a variable has an invalid value." },
  service_unavailable: { status: 503, message: "The service cannot answer right now. Try again shortly." },
  internal_error: { status: 500, message: "Something went wrong on our side." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Extra fields some errors carry next to `code` and `message`. */
export type ErrorExtras = Record<string, unknown>;

/**
 * The one error type of the service. It knows its response: `code`, status,
 * message and extra fields. Anything else thrown is an internal error.
 */
export class AuthError extends Error {
  readonly status: number;
  /** The code as sent; equal to `kind` except for configuration errors, whose code names the variable. */
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(
    readonly kind: ErrorCode,
    readonly extras: ErrorExtras = {},
    options: { status?: number; message?: string; code?: string; headers?: Record<string, string> } = {},
  ) {
    super(options.message ?? ERRORS[kind].message);
    this.name = "AuthError";
    this.status = options.status ?? ERRORS[kind].status;
    this.code = options.code ?? kind;
    this.headers = options.headers ?? {};
  }

  /** The JSON body: `{"error": {"code", "message", ...extras}}`. */
  toBody(): { error: { code: string; message: string } & ErrorExtras } {
    return { error: { code: this.code, message: this.message, ...this.extras } };
  }
}

/** A required variable is missing: the code names it (`missing_secret_key`). */
export function configMissing(variable: string): AuthError {
  return new AuthError("config_missing", { variable }, {
    code: `missing_${variable.toLowerCase()}`,
    message: `The server is misconfigured: ${variable} is not set.`,
  });
}

/** A variable is set but unusable (too short, not a number...): the code names it. */
export function configInvalid(variable: string, why: string): AuthError {
  return new AuthError("config_invalid", { variable }, {
    code: `invalid_${variable.toLowerCase()}`,
    message: `The server is misconfigured: ${variable} ${why}.`,
  });
}

/**
 * Seconds a client is told to wait after `503 service_unavailable`. Short, so a
 * refresh retried after it lands well inside REFRESH_RETRY_GRACE_SECONDS.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * Why the database could not serve a statement: past DATABASE_TIMEOUT_MS
 * (`timeout`), the connection refused, reset or dropped (`unreachable`), the
 * database edge answering a server error (`edge_error`), or Postgres saying it
 * cannot serve now (`sqlstate`: class 53, 57P01-57P03, class 08).
 */
export type UnavailableReason = "timeout" | "unreachable" | "edge_error" | "sqlstate";

/**
 * The database is away or saturated, not wrong: the request answers
 * `503 service_unavailable` with Retry-After, the queue consumer retries the
 * job, the cron leaves the work to its next run. Thrown by db/client.ts; the
 * query layer may wrap it (drizzle's DrizzleQueryError), so callers find it
 * with `databaseUnavailable()`.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    /** The SQLSTATE for `sqlstate`, or the edge's HTTP status for `edge_error`. */
    readonly detail?: string,
  ) {
    super(`database unavailable: ${reason}${detail ? ` (${detail})` : ""}`);
    this.name = "DatabaseUnavailableError";
  }

  /** What the client sees: `503 service_unavailable` with Retry-After. */
  toAuthError(): AuthError {
    return new AuthError("service_unavailable", { retry_after: DATABASE_RETRY_AFTER_SECONDS }, {
      headers: { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) },
    });
  }
}

/** The DatabaseUnavailableError in `error` or its causes, if any. */
export function databaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return e;
  }
  return undefined;
}
