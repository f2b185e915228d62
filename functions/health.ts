/**
 * GET /health: the uptime monitor's check: one `SELECT 1` within HEALTH_DB_TIMEOUT_MS (2 s), and
 * whether e-mail and SMS are configured. No provider is contacted.
 * GET /health/deep: behind HEALTH_DEEP_TOKEN, really sends a test e-mail.
 */
import { loadDeepCheckLimit, loadHealthDbTimeout, loadSendGrid, loadTwilio } from "./core/config";
import { AuthError } from "./core/errors";
import { bearerMatches, checkEmail, checkSms, databaseReachable, withTimeout } from "./core/health";
import { createFunction, type AppContext } from "./http/app";

function configured(load: () => unknown): boolean {
  try {
    return load() !== undefined;
  } catch {
    return false; // Set but invalid (e.g. a malformed API URL) counts as not configured.
  }
}

async function pingDatabase(c: AppContext): Promise<boolean> {
  let store, timeoutMs;
  try {
    timeoutMs = loadHealthDbTimeout(c.env);
    store = c.get("wiring").store();
  } catch {
    return false; // Missing or invalid settings: the monitor must see it.
  }
  // Logged as database_unavailable, not sent to Sentry: the uptime monitor is who alerts on /health.
  return databaseReachable(() => store.ping(), timeoutMs, (down) =>
    c.get("wiring").databaseUnavailable(down, { route: c.req.routePath }, { report: false }),
  );
}

/** Seconds to wait when the deep check ran too often; 0 when it may run (or the database can't tell). */
async function deepCheckLimited(c: AppContext): Promise<number> {
  try {
    const limit = loadDeepCheckLimit(c.env);
    const verdict = await withTimeout(c.get("wiring").store().hitRateLimits([{ key: "health_deep:all", ...limit }]), loadHealthDbTimeout(c.env));
    return verdict.limited ? verdict.retryAfterSeconds : 0;
  } catch {
    return 0; // A database that does not answer is reported by the check itself.
  }
}

export default createFunction()
  .get("/health", async (c) => {
    const connected = await pingDatabase(c);
    return c.json(
      {
        status: connected ? "healthy" : "unhealthy",
        database: connected ? "connected" : "disconnected",
        email_configured: configured(() => loadSendGrid(c.env)),
        sms_configured: configured(() => loadTwilio(c.env)),
      },
      connected ? 200 : 503,
    );
  })
  .get("/health/deep", async (c) => {
    const env: Record<string, unknown> = { ...c.env };
    const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!(await bearerMatches(token, typeof env.HEALTH_DEEP_TOKEN === "string" ? env.HEALTH_DEEP_TOKEN : undefined))) {
      throw new AuthError("unauthorized");
    }
    // Each deep check sends a real e-mail: at most RATE_LIMIT_HEALTH_DEEP runs, across all instances.
    const limited = await deepCheckLimited(c);
    if (limited) {
      throw new AuthError("rate_limited", { retry_after: limited }, { headers: { "retry-after": String(limited) } });
    }
    let sendgrid, twilio;
    try {
      sendgrid = loadSendGrid(c.env);
      twilio = loadTwilio(c.env);
    } catch (error) {
      if (error instanceof AuthError) return c.json({ status: "unhealthy", email: "failed", reason: error.message }, 503);
      throw error;
    }
    const [connected, email, sms] = await Promise.all([
      pingDatabase(c),
      checkEmail(sendgrid, typeof env.HEALTH_CHECK_EMAIL === "string" ? env.HEALTH_CHECK_EMAIL : undefined),
      twilio ? checkSms(twilio) : Promise.resolve(undefined),
    ]);
    const healthy = connected && email.ok && (sms === undefined || sms.ok);
    return c.json(
      {
        status: healthy ? "healthy" : "unhealthy",
        database: connected ? "connected" : "disconnected",
        email: email.ok ? "sent" : "failed",
        ...(email.ok ? { email_message_id: email.detail ?? null } : { email_reason: email.reason, reason: email.reason }),
        sms: sms === undefined ? "not_configured" : sms.ok ? "ok" : "failed",
        ...(sms && !sms.ok ? { sms_reason: sms.reason } : {}),
      },
      healthy ? 200 : 503,
    );
  });
