/** Queued delivery in memory, as db/store/delivery.ts: claims with a lease, records, abandons. */
import type { DeliveryClaim, DeliveryRecord, DeliveryStore } from "../../functions/core/delivery/store";
import { SECOND, text, uuid, type ChallengeRow, type MemoryContext } from "./tables";

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
      // A claim is fresh through the last instant of its lease. (A 'sending' row
      // without a claim time, which no method writes, counts as held, as NULL does in the SQL.)
      const claimedAt = ch.deliveryClaimedAt;
      if (ch.deliveryStatus === "sending" && (claimedAt === null || claimedAt >= now - leaseSeconds * SECOND)) return { status: "busy" };
      ch.deliveryStatus = "sending";
      ch.deliveryClaimedAt = now;
      ch.deliveryAttempts += 1;
      return { status: "claimed", channel: ch.channel, destination: ch.destination };
    },

    async recordDelivery(challengeId: string, send: number, record: DeliveryRecord): Promise<void> {
      const values: Partial<ChallengeRow> =
        record.status === "sent"
          ? { deliveryStatus: "sent", deliveredSend: send, providerMessageId: record.messageId === null ? null : text(record.messageId), deliveryError: null }
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
  };
}
