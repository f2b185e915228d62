/**
 * Delivery jobs: what login and resend put on the queue, and what the consumer
 * does with one. The code travels sealed (AES-GCM under a subkey of
 * SECRET_KEY, bound to its challenge and send number), so neither the queue
 * nor the database ever holds a code in clear.
 *
 * Idempotent by construction: a job names the send it belongs to (1 = the
 * login's code, 2+ = resends, or the new code of a login retried with its
 * Idempotency-Key). The consumer claims that send in one statement
 * that also checks the challenge is live and the send is still the current one,
 * so a retried or duplicated job never sends a second, different code, and
 * nothing is sent after the challenge expired or was used.
 */
import type { Config } from "../config";
import { deriveKey, fromBase64Url, toBase64Url, utf8 } from "../crypto";
import { databaseUnavailable } from "../errors";
import type { Log } from "../types";
import { senderFor } from "./index";
import { normalizeLocale } from "../locale";
import { renderMessage } from "./messages";
import type { NoticeKind } from "./notices";
import type { ChallengePurpose } from "./store";
import { DeliveryError } from "./sender";
import type { DeliveryStore } from "./store";

/** A challenge's code: login, resend, a password reset, a phone check. */
export interface CodeJob {
  v: 1;
  challengeId: string;
  send: number;
  sealed: string;
}

/** A security notice to the account's e-mail (it holds no secret, so nothing is sealed). */
export interface NoticeJob {
  v: 1;
  kind: "notice";
  userId: string;
  notice: NoticeKind;
}

/**
 * A failed sign-in to log. Queued for every failed login, known address or not,
 * so an unknown address, a wrong password and a locked account do the same
 * work; only an existing account's log ever shows it.
 */
export interface FailedLoginJob {
  v: 1;
  kind: "login_failed";
  email: string;
  ipPrefix: string | null;
  userAgent: string | null;
}

export type DeliveryJob = CodeJob | NoticeJob | FailedLoginJob;

/** Which message carries a challenge's code, by what the code is for. */
export const CODE_MESSAGE = { sign_in: "sign_in_code", password_reset: "reset_code", phone_change: "phone_check" } as const satisfies Record<
  ChallengePurpose,
  string
>;

/** A password reset code lives this long (the 15 minutes, longer than a sign-in code: it goes to a mailbox). */
export const RESET_TTL_SECONDS = 900;

/** A claimed send is someone else's for this long; after it a retry may take it over. */
export const DELIVERY_LEASE_SECONDS = 30;

async function jobKey(secretKey: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", await deriveKey(secretKey, "queue-code/v1"), "AES-GCM", false, [usage]);
}

/** Seals a code for the queue. */
export async function sealJob(secretKey: Uint8Array, challengeId: string, send: number, code: string): Promise<CodeJob> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(`${challengeId}:${send}`) },
    await jobKey(secretKey, "encrypt"),
    utf8(code),
  );
  const sealed = new Uint8Array(12 + data.byteLength);
  sealed.set(iv);
  sealed.set(new Uint8Array(data), 12);
  return { v: 1, challengeId, send, sealed: toBase64Url(sealed) };
}

/** The code inside a job, or null if it was sealed under another key or tampered with. */
export async function openJob(secretKey: Uint8Array, job: CodeJob): Promise<string | null> {
  try {
    const sealed = fromBase64Url(job.sealed);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.subarray(0, 12), additionalData: utf8(`${job.challengeId}:${job.send}`) },
      await jobKey(secretKey, "decrypt"),
      sealed.subarray(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

export type JobOutcome =
  | { result: "sent" }
  | { result: "skipped"; why: string }
  /** `delaySeconds` when the wait is known (a lease); otherwise the queue's backoff. */
  | { result: "retry"; reason: string; delaySeconds?: number };

export interface JobDeps {
  config: Config;
  store: DeliveryStore;
  log: Log;
}

/** Runs one job of any kind. */
export async function runDeliveryJob(deps: JobDeps, job: DeliveryJob): Promise<JobOutcome> {
  if (!("kind" in job)) return sendCode(deps, job);
  if (job.kind === "notice") return sendNotice(deps, job);
  await deps.store.recordFailedLogin(job.email, { ipPrefix: job.ipPrefix, userAgent: job.userAgent });
  return { result: "sent" };
}

/** Sends one job's code, at most once per send, recording the outcome on the challenge. */
async function sendCode(deps: JobDeps, job: CodeJob): Promise<JobOutcome> {
  const { config, store, log } = deps;
  const code = await openJob(config.secretKey, job);
  if (!code) return { result: "skipped", why: "job cannot be opened (SECRET_KEY rotated?)" };
  const claim = await store.claimDelivery(job.challengeId, job.send, DELIVERY_LEASE_SECONDS);
  if (claim.status === "done") return { result: "skipped", why: "already sent, superseded, expired or used" };
  if (claim.status === "busy") return { result: "retry", reason: "another consumer holds this send", delaySeconds: DELIVERY_LEASE_SECONDS };

  const sender = senderFor(claim.channel, config);
  if (!sender) {
    await store.recordDelivery(job.challengeId, job.send, { status: "failed", error: `${claim.channel} is not configured` });
    return { result: "retry", reason: `${claim.channel} is not configured` };
  }
  let messageId: string | undefined;
  try {
    const message = renderMessage(CODE_MESSAGE[claim.purpose], {
      channel: claim.channel,
      to: claim.destination,
      locale: normalizeLocale(claim.locale) ?? config.defaultLocale,
      code,
      ttlSeconds: claim.purpose === "password_reset" ? RESET_TTL_SECONDS : config.otp.ttlSeconds,
    });
    ({ messageId } = await sender.send(message));
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    await store.recordDelivery(job.challengeId, job.send, { status: "failed", error: error.reason });
    return { result: "retry", reason: error.reason };
  }
  log("info", "code_sent", { challenge_id: job.challengeId, send: job.send, channel: claim.channel, provider_message_id: messageId });
  try {
    await store.recordDelivery(job.challengeId, job.send, { status: "sent", messageId: messageId ?? null });
  } catch (error) {
    // The code is out: a retry would send it again once the claim's lease ends.
    // Only the support record is missing (delivery_status stays "sending").
    if (!databaseUnavailable(error)) throw error;
    log("warn", "delivery_unrecorded", { challenge_id: job.challengeId, send: job.send });
  }
  return { result: "sent" };
}

/** Sends a security notice to the account's e-mail, in its language. At least once: a retried job may send it again. */
async function sendNotice(deps: JobDeps, job: NoticeJob): Promise<JobOutcome> {
  const recipient = await deps.store.noticeRecipient(job.userId);
  if (!recipient) return { result: "skipped", why: "the account is gone" };
  const sender = senderFor("email", deps.config);
  if (!sender) return { result: "retry", reason: "email is not configured" };
  try {
    const locale = normalizeLocale(recipient.locale) ?? deps.config.defaultLocale;
    const { messageId } = await sender.send(renderMessage(job.notice, { channel: "email", to: recipient.email, locale }));
    deps.log("info", "notice_sent", { user_id: job.userId, notice: job.notice, provider_message_id: messageId });
    return { result: "sent" };
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    return { result: "retry", reason: error.reason };
  }
}

/** A job that exhausted its retries: a code's challenge is revoked, so no code arrives late. */
export async function abandonDeliveryJob(deps: JobDeps, job: DeliveryJob): Promise<void> {
  if ("kind" in job) {
    deps.log("warn", "job_abandoned", { kind: job.kind });
    return;
  }
  await deps.store.abandonDelivery(job.challengeId, job.send, "gave up after retries");
  deps.log("warn", "delivery_abandoned", { challenge_id: job.challengeId, send: job.send });
}

/** Exponential backoff for a retry: base, 2×base, 4×base... at most 5 minutes. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(300, baseSeconds * 2 ** Math.max(0, attempt - 1));
}
