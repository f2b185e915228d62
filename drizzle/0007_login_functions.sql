-- Login's two statements as functions, for the reason 0006 gives for verify:
-- Postgres parses, analyses and plans each once per pooled session instead of
-- on every login. Each body is ONE statement, exactly as the store sent it
-- before (db/store/signin.ts, findUserForLogin and createChallenge, says why
-- each part is safe under concurrency); the rate-limit CTEs are those of
-- db/store/limits.ts (rateLimitCtes), for the hits passed as three arrays
-- (keys without repeats, in any order: the counters are bumped in key order).
-- Versioned names: a later change is a new function (migrations only add).

-- Login 1: the login counters, the account, its authenticator and its unused
-- recovery codes, before any password hashing. An unknown e-mail runs the same.
CREATE FUNCTION auth_find_user_for_login_v1(p_email text, p_keys text[], p_wins int[], p_caps int[])
RETURNS TABLE (
  retry_after int, db_now float8, id uuid, email text, phone text, password_hash text, locale text, locked boolean,
  wait_seconds int, totp_id uuid, totp_sealed text, totp_key_id text, recovery_remaining int
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH lim(key, win, cap) AS (SELECT * FROM unnest(p_keys, p_wins, p_caps)),
  rl AS (
    INSERT INTO rate_limits AS r (key, count, window_start, expires_at)
    SELECT lim.key, 1, now(), now() + make_interval(secs => lim.win) FROM lim ORDER BY lim.key
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN r.expires_at > now() THEN r.count + 1 ELSE 1 END,
      window_start = CASE WHEN r.expires_at > now() THEN r.window_start ELSE now() END,
      expires_at = CASE WHEN r.expires_at > now() THEN r.expires_at ELSE excluded.expires_at END
    RETURNING r.key, r.count, r.expires_at
  ),
  over AS (
    SELECT GREATEST(1, CEIL(EXTRACT(EPOCH FROM max(rl.expires_at) - now())))::int AS retry_after
    FROM rl JOIN lim ON lim.key = rl.key WHERE rl.count > lim.cap
    HAVING count(*) > 0
  )
  SELECT (SELECT o.retry_after FROM over o), EXTRACT(EPOCH FROM now())::float8,
         u.id, u.email, u.phone, u.password_hash, u.locale, u.locked_at IS NOT NULL,
         GREATEST(0, CEIL(EXTRACT(EPOCH FROM u.otp_blocked_until - now())))::int,
         f.id, f.secret_sealed, f.key_id,
         (SELECT count(*) FROM recovery_codes rc WHERE rc.user_id = u.id AND rc.used_at IS NULL)::int
  FROM (SELECT 1) AS one
  LEFT JOIN users u ON u.email = p_email
  LEFT JOIN factors f ON f.user_id = u.id AND f.type = 'totp' AND f.status = 'active';
END;
$$;
--> statement-breakpoint

-- Login 2: start the challenge. Starts with one id (a login retried with its
-- Idempotency-Key) are serialised first, by a transaction lock on the id, so
-- the statement after it sees any parallel start's committed row. Then ONE
-- statement: a retry finds its first attempt's live challenge, locked (prior);
-- an e-mail or SMS one is renewed: the retry's code replaces the old one as one
-- more send, counted under p_keys like a resend (every code sent counts), not
-- under the cooldown between new challenges; one that sends nothing, or is at
-- its last send, is replayed as it is. With no challenge of this id, the
-- counters (p_keys and the cooldown, p_first_keys) are bumped and the challenge
-- inserted under them. An ended one, or one of another destination, stays as
-- it is and counts nothing (a conflict: created = 0, prior = 0).
CREATE FUNCTION auth_create_challenge_v1(
  p_id uuid, p_user uuid, p_factor text, p_destination text, p_mac text, p_step_macs text[], p_first_step bigint,
  p_max_attempts int, p_ttl int, p_resend int, p_max_sends int,
  p_keys text[], p_wins int[], p_caps int[],
  p_first_keys text[], p_first_wins int[], p_first_caps int[]
) RETURNS TABLE (retry_after int, created int, prior int, renewed_send int, expires_in int, resend_in int)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('challenge:' || p_id::text, 0));
  RETURN QUERY
  WITH live AS (
    SELECT ch.id, ch.sends, ch.expires_at, ch.resend_after,
           ch.channel IN ('email', 'sms') AND ch.sends < p_max_sends AS renewable
    FROM challenges ch
    WHERE ch.id = p_id AND ch.user_id = p_user AND ch.channel = p_factor AND ch.destination IS NOT DISTINCT FROM p_destination
      AND ch.purpose = 'sign_in' AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts
    FOR UPDATE
  ),
  fresh AS (SELECT NOT EXISTS (SELECT 1 FROM challenges t WHERE t.id = p_id) AS yes),
  lim(key, win, cap) AS (
    SELECT * FROM unnest(p_keys, p_wins, p_caps)
    WHERE (SELECT yes FROM fresh) OR EXISTS (SELECT 1 FROM live WHERE live.renewable)
    UNION ALL
    SELECT * FROM unnest(p_first_keys, p_first_wins, p_first_caps) WHERE (SELECT yes FROM fresh)
  ),
  rl AS (
    INSERT INTO rate_limits AS r (key, count, window_start, expires_at)
    SELECT lim.key, 1, now(), now() + make_interval(secs => lim.win) FROM lim ORDER BY lim.key
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN r.expires_at > now() THEN r.count + 1 ELSE 1 END,
      window_start = CASE WHEN r.expires_at > now() THEN r.window_start ELSE now() END,
      expires_at = CASE WHEN r.expires_at > now() THEN r.expires_at ELSE excluded.expires_at END
    RETURNING r.key, r.count, r.expires_at
  ),
  over AS (
    SELECT GREATEST(1, CEIL(EXTRACT(EPOCH FROM max(rl.expires_at) - now())))::int AS retry_after
    FROM rl JOIN lim ON lim.key = rl.key WHERE rl.count > lim.cap
    HAVING count(*) > 0
  ),
  renew AS (
    UPDATE challenges ch
    SET code_mac = p_mac, sends = ch.sends + 1,
        delivery_status = 'queued', delivery_claimed_at = NULL, delivery_error = NULL,
        expires_at = now() + make_interval(secs => p_ttl), resend_after = now() + make_interval(secs => p_resend)
    FROM live WHERE ch.id = live.id AND live.renewable AND NOT EXISTS (SELECT 1 FROM over)
    RETURNING ch.sends, ch.expires_at, ch.resend_after
  ),
  ins AS (
    INSERT INTO challenges (id, user_id, channel, destination, code_mac, step_macs, first_step, max_attempts, expires_at, resend_after)
    SELECT p_id, p_user, p_factor, p_destination, p_mac, p_step_macs, p_first_step,
           p_max_attempts, now() + make_interval(secs => p_ttl), now() + make_interval(secs => p_resend)
    WHERE (SELECT yes FROM fresh) AND NOT EXISTS (SELECT 1 FROM over)
    ON CONFLICT (id) DO NOTHING
    RETURNING 1
  ),
  kept AS (
    SELECT k.expires_at, k.resend_after FROM renew k
    UNION ALL SELECT l.expires_at, l.resend_after FROM live l WHERE NOT l.renewable
  )
  SELECT (SELECT o.retry_after FROM over o), (SELECT count(*) FROM ins)::int, (SELECT count(*) FROM live)::int,
         (SELECT k.sends FROM renew k),
         (SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM k.expires_at - now())))::int FROM kept k),
         (SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM k.resend_after - now())))::int FROM kept k);
END;
$$;
