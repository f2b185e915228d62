/**
 * Sign-in in Postgres: the login read, challenges, and the one statement every
 * factor's code is checked by. Each method is one statement; the comments say
 * why each is safe when a thousand instances run it at once. Time is always the
 * database's `now()`: one clock for every instance.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { RateHit, RateVerdict } from "../../functions/core/limits";
import type {
  ConsumeResult,
  LoginLookup,
  NewChallenge,
  Proof,
  RenewLimits,
  RenewResult,
  SignInStore,
  StartResult,
} from "../../functions/core/signin/store";
import type { Channel, FactorType } from "../../functions/core/types";
import type { Db } from "../client";
import { challenges } from "../schema";
import { hitArrays, rateLimitCtes, verdict } from "./limits";

export function signInStore(db: Db): SignInStore {
  return {
    async findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup> {
      // The counters, the account, its authenticator and its recovery codes in one
      // statement, before any password hashing; an unknown e-mail runs the same.
      // It is the function auth_find_user_for_login_v1 (drizzle/0007_login_functions.sql),
      // planned once per pooled session.
      const result = await db.execute<{
        retry_after: number | null;
        db_now: number;
        id: string | null;
        email: string;
        phone: string | null;
        password_hash: string;
        locked: boolean;
        wait_seconds: number;
        totp_id: string | null;
        totp_sealed: string | null;
        totp_key_id: string | null;
        recovery_remaining: number;
        locale: string;
      }>(sql`SELECT * FROM auth_find_user_for_login_v1(${email}::text, ${hitArrays(hits)})`);
      const row = result.rows[0];
      return {
        rate: verdict(row?.retry_after),
        dbNowSeconds: Number(row?.db_now ?? Date.now() / 1000),
        user: row?.id
          ? {
              id: row.id,
              email: row.email,
              phone: row.phone,
              passwordHash: row.password_hash,
              locked: row.locked,
              waitSeconds: Number(row.wait_seconds ?? 0),
              totp: row.totp_id && row.totp_sealed && row.totp_key_id ? { id: row.totp_id, secretSealed: row.totp_sealed, keyId: row.totp_key_id } : null,
              recoveryRemaining: Number(row.recovery_remaining ?? 0),
              locale: row.locale,
            }
          : null,
      };
    },

    async createChallenge(c: NewChallenge, hits: RateHit[], cooldownHits: RateHit[] = []): Promise<StartResult> {
      // One call, the function auth_create_challenge_v1 (drizzle/0007_login_functions.sql):
      // a transaction lock on the id serialises starts of one id (a login retried
      // with its Idempotency-Key), then one statement. A retry finds its first
      // attempt's live challenge, locked: an e-mail or SMS one is renewed (the new
      // code replaces the old as one more send, counted under `hits` like a resend;
      // a job of the old send is stale, since a claim needs the current send); one
      // that sends nothing, or is at its last send, is replayed. With no challenge
      // of this id, `hits` and `cooldownHits` are bumped and the challenge inserted
      // under them. An ended one, or another destination's, counts nothing and
      // stays as it is: a conflict.
      const mac = c.check.kind === "mac" ? c.check.mac : "";
      const steps = c.check.kind === "steps" ? c.check : null;
      const stepMacs = steps ? sql`ARRAY[${sql.join(steps.macs.map((m) => sql`${m}`), sql`, `)}]::text[]` : sql`NULL::text[]`;
      const result = await db.execute<{
        retry_after: number | null;
        created: number;
        prior: number;
        renewed_send: number | null;
        expires_in: number | null;
        resend_in: number | null;
      }>(sql`
        SELECT * FROM auth_create_challenge_v1(
          ${c.id}::uuid, ${c.userId}::uuid, ${c.factor}::text, ${c.destination}::text, ${mac}::text, ${stepMacs}, ${steps?.firstStep ?? null}::bigint,
          ${c.maxAttempts}::int, ${c.ttlSeconds}::int, ${c.resendSeconds}::int, ${c.maxSends}::int,
          ${hitArrays(hits)}, ${hitArrays(cooldownHits)})`);
      const row = result.rows[0]!;
      if (row.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      if (Number(row.created) === 1) return { outcome: "created", send: 1, expiresInSeconds: c.ttlSeconds, resendAfterSeconds: c.resendSeconds };
      if (Number(row.prior) === 0) return { outcome: "conflict" };
      return {
        outcome: row.renewed_send != null ? "renewed" : "replayed",
        send: row.renewed_send != null ? Number(row.renewed_send) : null,
        expiresInSeconds: Number(row.expires_in),
        resendAfterSeconds: Number(row.resend_in),
      };
    },

    async consumeChallenge(id: string, proof: Proof, { ipHit, refresh, lockout, client }): Promise<ConsumeResult> {
      // One statement decides, for every factor; it is the function
      // auth_consume_challenge_v1 (drizzle/0006_verify_function.sql), so Postgres
      // plans it once per pooled session rather than on every verify. It:
      // - counts the client's verify (the rate-limit CTEs of ./limits.ts);
      // - decides what "the right code" means for the challenge's factor:
      //   e-mail, SMS: the presented code's MAC equals the challenge's, read from
      //   the locked row itself, so a resend that replaced the code just before is
      //   seen; TOTP: it equals the MAC kept for a step within one of now (the
      //   database's clock), later than the last step the account's authenticator
      //   accepted: the factor row is locked first (FOR UPDATE), so parallel
      //   verifies of one code, on this or another challenge, queue on it and each
      //   re-reads last_step after the one before commits: a step is accepted
      //   once; recovery: an unused code of the account has this MAC, its row
      //   locked and re-checked the same way, so a code works once;
      // - consumes the challenge or counts one attempt: the row lock on the
      //   challenge serialises parallel verifies of it, each re-checking the WHERE
      //   clause after the previous one commits, so exactly one right code
      //   consumes it and every wrong guess is counted exactly once, on the
      //   challenge and on the account's streak (waits, lock: as streakAfter);
      // - on success opens the refresh family and marks an e-mail or SMS verified;
      // - writes the security log.
      const recovery = proof.recoveryMacs.length
        ? sql`ARRAY[${sql.join(proof.recoveryMacs.map((m) => sql`${m}`), sql`, `)}]::text[]`
        : sql`ARRAY[]::text[]`;
      const result = await db.execute<{
        retry_after: number | null;
        user_id: string | null;
        verified: boolean | null;
        remaining: number | null;
        factor: FactorType | null;
        auth_time: number | null;
        locale: string | null;
      }>(sql`
        SELECT * FROM auth_consume_challenge_v1(
          ${id}::uuid, ${proof.mac}::text, ${recovery},
          ${ipHit.key}::text, ${ipHit.windowSeconds}::int, ${ipHit.limit}::int,
          ${refresh.familyId}::uuid, ${refresh.sid}::uuid, ${refresh.tokenHash}::text, ${refresh.ttlSeconds}::int,
          ${client.userAgent}::text, ${client.ipPrefix}::text,
          ${lockout.waitAfter}::int, ${lockout.baseWaitSeconds}::float8, ${lockout.maxWaitSeconds}::float8, ${lockout.lockAfter}::int)`);
      const row = result.rows[0];
      if (row?.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      if (!row?.user_id) return { outcome: "gone" };
      return row.verified
        ? { outcome: "verified", userId: row.user_id, factor: row.factor!, authTime: Math.floor(Number(row.auth_time)), locale: row.locale ?? "en", sid: refresh.sid }
        : { outcome: "wrong_code", attemptsRemaining: Number(row.remaining) };
    },

    async renewChallenge(id: string, mac: string, limits: RenewLimits): Promise<RenewResult> {
      // Lock the live row; count a code against the account (and the number, for
      // SMS) only if the cooldown and the per-challenge cap allow a send; update
      // only if no counter is over. One statement, so parallel resends send once.
      const result = await db.execute<{
        channel: Channel;
        destination: string;
        sends: number;
        cooldown_left: number;
        over_retry_after: number | null;
        renewed: number;
        resendable: boolean;
        locale: string;
      }>(sql`
        WITH cur AS (
          SELECT ch.id, ch.user_id, ch.channel, ch.destination, ch.sends, ch.resend_after,
                 ch.channel IN ('email', 'sms') AS resendable,
                 ch.channel IN ('email', 'sms') AND ch.resend_after <= now() AND ch.sends < ${limits.maxSends} AS may_send
          FROM challenges ch
          WHERE ch.id = ${id} AND ch.purpose = 'sign_in' AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts
            AND NOT EXISTS (SELECT 1 FROM users lu WHERE lu.id = ch.user_id AND lu.locked_at IS NOT NULL)
          FOR UPDATE OF ch
        ),
        ${rateLimitCtes(sql`
          SELECT 'codes_account:' || user_id::text, ${limits.codesAccount.windowSeconds}::int, ${limits.codesAccount.limit}::int FROM cur WHERE may_send
          UNION ALL
          SELECT 'sms_number:' || destination, ${limits.smsNumber.windowSeconds}::int, ${limits.smsNumber.limit}::int FROM cur WHERE may_send AND channel = 'sms'`)},
        upd AS (
          UPDATE challenges c
          SET code_mac = ${mac},
              sends = c.sends + 1,
              delivery_status = 'queued', delivery_claimed_at = NULL, delivery_error = NULL,
              expires_at = now() + make_interval(secs => ${limits.ttlSeconds}),
              resend_after = now() + make_interval(secs => ${limits.resendSeconds})
          FROM cur
          WHERE c.id = cur.id AND cur.may_send AND NOT EXISTS (SELECT 1 FROM over)
          RETURNING c.id
        )
        SELECT cur.channel, cur.destination, cur.sends, cur.resendable, (SELECT locale FROM users WHERE id = cur.user_id) AS locale,
               GREATEST(1, CEIL(EXTRACT(EPOCH FROM cur.resend_after - now())))::int AS cooldown_left,
               (SELECT retry_after FROM over) AS over_retry_after,
               (SELECT count(*) FROM upd)::int AS renewed
        FROM cur`);
      const row = result.rows[0];
      if (!row) return { outcome: "gone" };
      if (!row.resendable) return { outcome: "not_resendable" };
      if (Number(row.renewed) === 1) {
        return {
          outcome: "renewed",
          channel: row.channel,
          destination: row.destination,
          expiresInSeconds: limits.ttlSeconds,
          send: Number(row.sends) + 1,
          locale: row.locale,
        };
      }
      if (Number(row.sends) >= limits.maxSends) return { outcome: "send_limit" };
      if (row.over_retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.over_retry_after) };
      return { outcome: "too_soon", retryAfterSeconds: Number(row.cooldown_left) };
    },

    async revokeChallenge(id: string): Promise<void> {
      await db.update(challenges).set({ consumedAt: sql`now()` }).where(and(eq(challenges.id, id), isNull(challenges.consumedAt)));
    },
  };
}
