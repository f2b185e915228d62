/**
 * Hands a code to the delivery queue and returns at once, so no answer waits on
 * SendGrid or Twilio (and a login that sends a code takes no longer than one
 * that fails). Without a queue, or if enqueueing fails, the code is sent on the
 * request path; if the provider fails, the challenge is revoked and the caller
 * gets `delivery_failed`.
 */
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { normalizeLocale } from "../locale";
import type { Channel } from "../types";
import { DeliveryError, senderFor, type Sender } from "./index";
import { CODE_MESSAGE, RESET_TTL_SECONDS, sealJob } from "./job";
import { renderMessage } from "./messages";
import type { ChallengePurpose } from "./store";

/** How long a client should wait before trying a channel with no provider, or a failed delivery, again. */
export const DELIVERY_RETRY_AFTER_SECONDS = 60;

/** The sender for a channel, or `503 delivery_unavailable` when none is configured. */
export function requireSender(channel: Channel, deps: Pick<Deps, "config">): Sender {
  const sender = senderFor(channel, deps.config);
  if (!sender) {
    throw new AuthError("delivery_unavailable", { retry_after: DELIVERY_RETRY_AFTER_SECONDS }, {
      message: `Codes by ${channel === "sms" ? "SMS" : "e-mail"} are not available right now.`,
      headers: { "retry-after": String(DELIVERY_RETRY_AFTER_SECONDS) },
    });
  }
  return sender;
}

export interface CodeDelivery {
  challengeId: string;
  /** 1 for the first code of a challenge, 2+ for resends. */
  send: number;
  to: string;
  code: string;
  purpose: ChallengePurpose;
  /** The account's language. */
  locale: string;
}

/** Sends send number `send` of a challenge's code, through the queue when there is one. */
export async function dispatchCode(deps: Deps, sender: Sender, delivery: CodeDelivery): Promise<void> {
  const { challengeId, send, to, code } = delivery;
  if (deps.enqueue) {
    try {
      await deps.enqueue(await sealJob(deps.config.secretKey, challengeId, send, code));
      deps.log("info", "code_queued", { challenge_id: challengeId, send, channel: sender.channel });
      return;
    } catch (error) {
      deps.log("warn", "enqueue_failed", { challenge_id: challengeId, error: error instanceof Error ? error.name : "error" });
    }
  }
  try {
    const message = renderMessage(CODE_MESSAGE[delivery.purpose], {
      channel: sender.channel,
      to,
      locale: normalizeLocale(delivery.locale) ?? deps.config.defaultLocale,
      code,
      ttlSeconds: delivery.purpose === "password_reset" ? RESET_TTL_SECONDS : deps.config.otp.ttlSeconds,
    });
    const { messageId } = await sender.send(message);
    deps.log("info", "code_sent", { challenge_id: challengeId, channel: sender.channel, provider_message_id: messageId });
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    deps.log("warn", "delivery_failed", { challenge_id: challengeId, channel: sender.channel, reason: error.reason });
    await deps.store.revokeChallenge(challengeId);
    throw new AuthError("delivery_failed", { retry_after: DELIVERY_RETRY_AFTER_SECONDS }, { headers: { "retry-after": String(DELIVERY_RETRY_AFTER_SECONDS) } });
  }
}
