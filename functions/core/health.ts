/**
 * Health checks. `/health` is one cheap query bounded by a timeout; the deep
 * check really sends an e-mail and asks Twilio about the account (no SMS is
 * sent, so a monitor can't run up a bill).
 */
import { HEALTH_DB_TIMEOUT_MS, type SendGridConfig, type TwilioConfig } from "./config";
import { timingSafeEqual, utf8 } from "./crypto";
import { DeliveryError, PROVIDER_TIMEOUT_MS } from "./delivery/sender";
import { DatabaseUnavailableError, databaseUnavailable } from "./errors";
import { sendEmail } from "./delivery/sendgrid";

export interface HealthStore {
  /** One cheap round trip, for `/health`. */
  ping(): Promise<void>;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** Resolves with `promise`, or rejects with TimeoutError after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * True when the database answers one `SELECT 1` within the timeout. When it is
 * away (timed out, unreachable, saturated), `onDown` is told why.
 */
export async function databaseReachable(
  ping: () => Promise<void>,
  ms = HEALTH_DB_TIMEOUT_MS,
  onDown?: (error: DatabaseUnavailableError) => void,
): Promise<boolean> {
  try {
    await withTimeout(ping(), ms);
    return true;
  } catch (error) {
    const down = databaseUnavailable(error) ?? (error instanceof TimeoutError ? new DatabaseUnavailableError("timeout") : undefined);
    if (down) onDown?.(down);
    return false;
  }
}

export type CheckResult = { ok: true; detail?: string } | { ok: false; reason: string };

/** Sends a real test e-mail through SendGrid. */
export async function checkEmail(config: SendGridConfig | undefined, to: string | undefined, now = new Date()): Promise<CheckResult> {
  if (!config) return { ok: false, reason: "SENDGRID_API_KEY or EMAIL_FROM is not set" };
  if (!to) return { ok: false, reason: "HEALTH_CHECK_EMAIL is not set" };
  try {
    const { messageId } = await sendEmail(config, {
      to,
      subject: "Innovation.ia Auth deep health check",
      text: `This message confirms that Innovation.ia Auth can send e-mail. Sent at ${now.toISOString()}.`,
    });
    return { ok: true, detail: messageId };
  } catch (error) {
    return { ok: false, reason: error instanceof DeliveryError ? error.reason : "SendGrid request failed" };
  }
}

/** Checks the Twilio credentials with a read-only account lookup; sends nothing. */
export async function checkSms(config: TwilioConfig): Promise<CheckResult> {
  const url = `${config.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}.json`;
  try {
    const response = await fetch(url, {
      headers: { authorization: `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}` },
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, reason: `Twilio answered HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, reason: `Twilio unreachable: ${error instanceof Error ? error.name : "error"}` };
  }
}

/** Compares a presented bearer token with the configured one, in constant time. */
export async function bearerMatches(presented: string | undefined, expected: string | undefined): Promise<boolean> {
  if (!presented || !expected) return false;
  // Hash both first so the comparison time does not even depend on the lengths.
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8(presented)),
    crypto.subtle.digest("SHA-256", utf8(expected)),
  ]);
  return timingSafeEqual(new Uint8Array(a), new Uint8Array(b));
}
