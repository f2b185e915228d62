/**
 * Delivery jobs: what login and resend put on the queue, and what the consumer
 * does with one. The code travels sealed (AES-GCM under a subkey of
 * SECRET_KEY, bound to its challenge and send number), so neither the queue
 * nor the database ever holds a code in clear.
 *
 * Idempotent by construction: a job names the send it belongs to (1 = the
 * login's code, 2+ = resends). The consumer claims that send in one statement
 * that also checks the challenge is live and the send is still the current one,
 * so a retried or duplicated job never sends a second, different code, and
 * nothing is sent after the challenge expired or was used.
 */
import type { Config } from "../config";
import { deriveKey, fromBase64Url, toBase64Url, utf8 } from "../crypto";
import type { Log } from "../types";
import { senderFor } from "./index";
import { signInCodeMessage } from "./messages";
import { DeliveryError } from "./sender";
import type { DeliveryStore } from "./store";

export interface DeliveryJob {
  v: 1;
  challengeId: string;
  send: number;
  sealed: string;
}

/** A claimed send is someone else's for this long; after it a retry may take it over. */
export const DELIVERY_LEASE_SECONDS = 30;

async function jobKey(secretKey: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", await deriveKey(secretKey, "queue-code/v1"), "AES-GCM", false, [usage]);
}

/** Seals a code for the queue. */
export async function sealJob(secretKey: Uint8Array, challengeId: string, send: number, code: string): Promise<DeliveryJob> {
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
export async function openJob(secretKey: Uint8Array, job: DeliveryJob): Promise<string | null> {
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

/** Sends one job's code, at most once per send, recording the outcome on the challenge. */
export async function runDeliveryJob(deps: JobDeps, job: DeliveryJob): Promise<JobOutcome> {
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
  try {
    const { messageId } = await sender.send(signInCodeMessage(claim.channel, claim.destination, code, config.otp.ttlSeconds));
    await store.recordDelivery(job.challengeId, job.send, { status: "sent", messageId: messageId ?? null });
    log("info", "code_sent", { challenge_id: job.challengeId, send: job.send, channel: claim.channel, provider_message_id: messageId });
    return { result: "sent" };
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    await store.recordDelivery(job.challengeId, job.send, { status: "failed", error: error.reason });
    return { result: "retry", reason: error.reason };
  }
}

/** A job that exhausted its retries: the challenge is revoked, so no code arrives late. */
export async function abandonDeliveryJob(deps: JobDeps, job: DeliveryJob): Promise<void> {
  await deps.store.abandonDelivery(job.challengeId, job.send, "gave up after retries");
  deps.log("warn", "delivery_abandoned", { challenge_id: job.challengeId, send: job.send });
}

/** Exponential backoff for a retry: base, 2×base, 4×base... at most 5 minutes. */
export function retryDelaySeconds(attempt: number, baseSeconds: number): number {
  return Math.min(300, baseSeconds * 2 ** Math.max(0, attempt - 1));
}
