/**
 * Error monitoring with Sentry (@sentry/cloudflare), on only when SENTRY_DSN is
 * set. Events carry the request id and never a request body, header or cookie
 * (they could hold passwords, codes or tokens). Sends are flushed through
 * waitUntil: the SDK is known to drop events raised in waitUntil work and in
 * queue consumers otherwise.
 */
import * as Sentry from "@sentry/cloudflare";

/** Wraps the worker's handlers; without SENTRY_DSN the SDK stays off and nothing changes. */
export function withMonitoring<T extends ExportedHandler<Env>>(handler: T): T {
  const wrapped = Sentry.withSentry((env: unknown) => {
    const dsn = (env as unknown as { SENTRY_DSN?: string }).SENTRY_DSN;
    if (!dsn) return undefined;
    return {
      dsn,
      environment: (env as unknown as { ENVIRONMENT?: string }).ENVIRONMENT ?? "production",
      // sendDefaultPii stays at its default (false): no IPs, cookies or user data.
      tracesSampleRate: 0,
      beforeSend(event) {
        if (event.request) {
          delete event.request.data;
          delete event.request.headers;
          delete event.request.cookies;
          delete event.request.query_string;
        }
        return event;
      },
    };
  }, handler as ExportedHandler<Env>);
  return wrapped as unknown as T;
}

/**
 * What may be said of an unexpected error: its class and, for a database error,
 * the SQLSTATE. Never its message: drizzle puts the failed query's parameters
 * there (e-mails, password hashes, code MACs).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return "non-error thrown";
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? `${error.name} (SQLSTATE ${code})` : error.name;
}

/** A copy of the error that carries only `describeError`, with the stack's frames but not its message. */
function scrubbed(error: unknown): Error {
  const safe = new Error(describeError(error));
  safe.name = error instanceof Error ? error.name : "Error";
  if (error instanceof Error && error.stack) {
    safe.stack = `${safe.name}: ${safe.message}\n${error.stack.split("\n").filter((line) => /^\s+at /.test(line)).join("\n")}`;
  }
  return safe;
}

/** Reports an unexpected error with its request id, and makes sure it is sent before the isolate sleeps. */
export function reportError(error: unknown, tags: Record<string, string>, ctx?: { waitUntil(promise: Promise<unknown>): void }): void {
  if (!Sentry.isEnabled()) return;
  Sentry.withScope((scope) => {
    scope.setTags(tags);
    Sentry.captureException(scrubbed(error));
  });
  const flushing = Sentry.flush(2_000);
  try {
    ctx?.waitUntil(flushing);
  } catch {
    // No execution context: the flush runs on its own.
  }
}
