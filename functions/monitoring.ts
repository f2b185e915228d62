/**
 * Error monitoring: unexpected errors go to Sentry when SENTRY_DSN is set, as
 * one envelope POSTed with `fetch` (Sentry's documented ingestion API). The
 * @sentry/cloudflare SDK did the same for 62.6 KiB gzip, 38% of the worker,
 * which cost the bundle budget against the peer (README, Dependencies).
 *
 * An event carries the error's class, its SQLSTATE, its stack frames and tags
 * such as the request id: never the error's message (drizzle puts a failed
 * query's parameters there), a request header, a body or a cookie. Sends go
 * through waitUntil, so an event raised late in a request or in the queue
 * consumer is not lost when the response is already out.
 */

/**
 * What may be said of an unexpected error: its class and, for a database error,
 * the SQLSTATE. Never its message.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return "non-error thrown";
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? `${error.name} (SQLSTATE ${code})` : error.name;
}

interface Dsn {
  url: string;
  publicKey: string;
}

/** `https://<key>@<host>/<project>` becomes the envelope endpoint and key; null if malformed. */
export function parseDsn(dsn: string): Dsn | null {
  try {
    const url = new URL(dsn);
    const project = url.pathname.split("/").filter(Boolean).pop();
    if (!url.username || !project || !/^\d+$/.test(project)) return null;
    const path = url.pathname.slice(0, url.pathname.lastIndexOf("/"));
    return { url: `${url.protocol}//${url.host}${path}/api/${project}/envelope/`, publicKey: url.username };
  } catch {
    return null;
  }
}

/** Stack frames, oldest first as Sentry wants them; file and line only. */
function frames(error: unknown): { function?: string; filename?: string; lineno?: number; colno?: number }[] {
  if (!(error instanceof Error) || !error.stack) return [];
  return error.stack
    .split("\n")
    .map((line) => line.match(/^\s+at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ function: m[1] ?? "?", filename: m[2], lineno: Number(m[3]), colno: Number(m[4]) }))
    .reverse();
}

export interface Monitor {
  dsn?: string;
  environment?: string;
}

type Background = { waitUntil(promise: Promise<unknown>): void };

/** POSTs one event as an envelope; never throws, never outlives `waitUntil` unnoticed. */
function sendEvent(dsn: Dsn, event: Record<string, unknown>, ctx?: Background): void {
  const eventId = crypto.randomUUID().replace(/-/g, "");
  const body = [
    JSON.stringify({ event_id: eventId, sent_at: new Date().toISOString() }),
    JSON.stringify({ type: "event" }),
    JSON.stringify({ event_id: eventId, timestamp: Date.now() / 1000, platform: "javascript", ...event }),
  ].join("\n");
  const sending = fetch(dsn.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-sentry-envelope",
      "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${dsn.publicKey}, sentry_client=innovation-ia-auth/1`,
    },
    body,
    signal: AbortSignal.timeout(5_000),
  })
    .then((response) => response.body?.cancel())
    .catch(() => {
      // Monitoring must never break the request it reports on.
    });
  try {
    ctx?.waitUntil(sending);
  } catch {
    // No execution context: the send runs on its own.
  }
}

/** Reports an unexpected error with its tags; does nothing without a DSN. */
export function reportError(monitor: Monitor, error: unknown, tags: Record<string, string>, ctx?: Background): void {
  const dsn = monitor.dsn ? parseDsn(monitor.dsn) : null;
  if (!dsn) return;
  sendEvent(
    dsn,
    {
      level: "error",
      environment: monitor.environment ?? "production",
      tags,
      exception: {
        values: [{ type: error instanceof Error ? error.name : "Error", value: describeError(error), stacktrace: { frames: frames(error) } }],
      },
    },
    ctx,
  );
}

/**
 * Reports that the database could not serve an invocation: a warning of its own
 * kind, all grouped under one fingerprint (an outage is one issue in Sentry, not
 * thousands of unexpected errors), with the reason as a tag. No stack: where it
 * was noticed says nothing about why.
 */
export function reportDatabaseUnavailable(
  monitor: Monitor,
  error: { reason: string; detail?: string },
  tags: Record<string, string>,
  ctx?: Background,
): void {
  const dsn = monitor.dsn ? parseDsn(monitor.dsn) : null;
  if (!dsn) return;
  const value = `database unavailable: ${error.reason}${error.detail ? ` (${error.detail})` : ""}`;
  sendEvent(
    dsn,
    {
      level: "warning",
      environment: monitor.environment ?? "production",
      fingerprint: ["database-unavailable"],
      tags: { ...tags, kind: "database_unavailable", reason: error.reason },
      exception: { values: [{ type: "DatabaseUnavailable", value }] },
    },
    ctx,
  );
}
