/** Queued delivery in Postgres: claims, records and abandons a challenge's sends, one statement each. */
import { and, eq, sql } from "drizzle-orm";
import type { ChallengePurpose, DeliveryClaim, DeliveryRecord, DeliveryStore } from "../../functions/core/delivery/store";
import type { Channel, ClientMeta } from "../../functions/core/types";
import type { Db } from "../client";
import { challenges, users } from "../schema";
import { eventValues } from "./common";

export function deliveryStore(db: Db): DeliveryStore {
  return {
    async claimDelivery(challengeId: string, send: number, leaseSeconds: number): Promise<DeliveryClaim> {
      // The send must still be the current one (a resend supersedes it), the
      // challenge live, the send not yet delivered, and no fresh claim by a
      // parallel consumer: so a duplicated or retried job sends at most once.
      // A fresh claim held by someone else is reported as busy, so the job is
      // retried after the lease instead of being dropped. A locked account's
      // sign-in challenges are dead (verify and resend refuse them), so their
      // codes are not sent either. Its reset codes are: a reset leaves the lock,
      // but lets the owner replace a password that someone else evidently has.
      const result = await db.execute<{ channel: Channel; destination: string; purpose: ChallengePurpose; locale: string; claimed: number; busy: boolean }>(sql`
        WITH cur AS (
          SELECT id, channel, destination, purpose, (SELECT locale FROM users WHERE users.id = challenges.user_id) AS locale,
                 delivery_status = 'sending' AND delivery_claimed_at >= now() - make_interval(secs => ${leaseSeconds}) AS busy
          FROM challenges
          WHERE id = ${challengeId} AND sends = ${send} AND consumed_at IS NULL AND expires_at > now()
            AND delivered_send IS DISTINCT FROM ${send}
            AND NOT (purpose = 'sign_in' AND EXISTS (SELECT 1 FROM users lu WHERE lu.id = challenges.user_id AND lu.locked_at IS NOT NULL))
          FOR UPDATE
        ), upd AS (
          UPDATE challenges c
          SET delivery_status = 'sending', delivery_claimed_at = now(), delivery_attempts = c.delivery_attempts + 1
          FROM cur WHERE c.id = cur.id AND NOT cur.busy
          RETURNING c.id
        )
        SELECT cur.channel, cur.destination, cur.purpose, cur.locale, cur.busy, (SELECT count(*) FROM upd)::int AS claimed FROM cur`);
      const row = result.rows[0];
      if (!row) return { status: "done" };
      if (Number(row.claimed) === 1) return { status: "claimed", channel: row.channel, destination: row.destination, purpose: row.purpose, locale: row.locale };
      return { status: "busy" };
    },

    async recordDelivery(challengeId: string, send: number, record: DeliveryRecord): Promise<void> {
      const values =
        record.status === "sent"
          ? { deliveryStatus: "sent" as const, deliveredSend: send, providerMessageId: record.messageId, deliveryError: null, deliveryClaimedAt: null }
          : { deliveryStatus: "failed" as const, deliveryError: record.error.slice(0, 500), deliveryClaimedAt: null };
      await db.update(challenges).set(values).where(and(eq(challenges.id, challengeId), eq(challenges.sends, send)));
    },

    async abandonDelivery(challengeId: string, send: number, error: string): Promise<void> {
      await db
        .update(challenges)
        .set({ deliveryStatus: "failed", deliveryError: error.slice(0, 500), consumedAt: sql`COALESCE(${challenges.consumedAt}, now())` })
        .where(and(eq(challenges.id, challengeId), eq(challenges.sends, send), sql`${challenges.deliveredSend} IS DISTINCT FROM ${send}`));
    },

    async noticeRecipient(userId: string) {
      const rows = await db.select({ email: users.email, locale: users.locale }).from(users).where(eq(users.id, userId));
      return rows[0] ?? null;
    },

    async recordFailedLogin(email: string, client: ClientMeta): Promise<void> {
      await db.execute(sql`
        INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
        SELECT id, ${eventValues("login_failed", client)} FROM users WHERE email = ${email}`);
    },
  };
}
