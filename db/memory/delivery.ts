/** Queued delivery in memory, as db/store/delivery.ts: claims with a lease, records, abandons, notices. */
import type { DeliveryClaim, DeliveryRecord, DeliveryStore } from "../../functions/core/delivery/store";
import type { Channel, ClientMeta } from "../../functions/core/types";
import { userByEmail } from "./account";
import { clientMeta, logEvent } from "./common";
import { SECOND, type ChallengeRow, type MemoryContext } from "./tables";
import { text, uuid } from "./values";

/** The row of that send, if it is still the current one. */
function sendOf(ctx: MemoryContext, challengeId: string, send: number): ChallengeRow | undefined {
  const ch = ctx.tables.challenges.get(uuid(challengeId));
  return ch && ch.sends === send ? ch : undefined;
}

export function deliveryStore(ctx: MemoryContext): DeliveryStore {
  return {
    async claimDelivery(challengeId: string, send: number, leaseSeconds: number): Promise<DeliveryClaim> {
      const now = ctx.now();
      const ch = sendOf(ctx, challengeId, send);
      if (!ch || ch.consumedAt !== null || !(ch.expiresAt > now) || ch.deliveredSend === send) return { status: "done" };
      // A locked account's sign-in challenges are dead, as on the verify path and resend: nothing to send.
      const user = ctx.tables.users.get(ch.userId)!;
      if (ch.purpose === "sign_in" && user.lockedAt !== null) return { status: "done" };
      // A claim is fresh through the last instant of its lease. (A 'sending' row
      // without a claim time, which no method writes, counts as held, as NULL does in the SQL.)
      const claimedAt = ch.deliveryClaimedAt;
      if (ch.deliveryStatus === "sending" && (claimedAt === null || claimedAt >= now - leaseSeconds * SECOND)) return { status: "busy" };
      ch.deliveryStatus = "sending";
      ch.deliveryClaimedAt = now;
      ch.deliveryAttempts += 1;
      return { status: "claimed", channel: ch.channel as Channel, destination: ch.destination!, purpose: ch.purpose, locale: user.locale };
    },

    async recordDelivery(challengeId: string, send: number, record: DeliveryRecord): Promise<void> {
      const values: Partial<ChallengeRow> =
        record.status === "sent"
          ? { deliveryStatus: "sent", deliveredSend: send, providerMessageId: text(record.messageId), deliveryError: null }
          : { deliveryStatus: "failed", deliveryError: text(record.error.slice(0, 500)) };
      const ch = sendOf(ctx, challengeId, send);
      if (ch) Object.assign(ch, values, { deliveryClaimedAt: null });
    },

    async abandonDelivery(challengeId: string, send: number, error: string): Promise<void> {
      const message = text(error.slice(0, 500));
      const ch = sendOf(ctx, challengeId, send);
      if (!ch || ch.deliveredSend === send) return;
      ch.deliveryStatus = "failed";
      ch.deliveryError = message;
      ch.consumedAt ??= ctx.now();
    },

    async noticeRecipient(userId: string) {
      const user = ctx.tables.users.get(uuid(userId));
      return user ? { email: user.email, locale: user.locale } : null;
    },

    async recordFailedLogin(email: string, client: ClientMeta): Promise<void> {
      // An unknown address leaves no trace.
      const [address, meta] = [text(email), clientMeta(client)];
      const user = userByEmail(ctx, address);
      if (user) logEvent(ctx, user.id, "login_failed", meta);
    },
  };
}
