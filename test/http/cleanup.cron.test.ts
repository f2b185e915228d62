// Property: the Cron Trigger deletes expired state (challenges a day past expiry,
// ended rate-limit windows, expired or long-revoked refresh families) and keeps
// everything still live.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { loginWithCode } from "../support/flows";
import { sql } from "../support/sql";

describe("scheduled cleanup", () => {
  it("deletes what has expired and keeps what is live", async () => {
    const old = await loginWithCode();
    const live = await loginWithCode();
    await sql("UPDATE challenges SET expires_at = now() - interval '2 days' WHERE id = $1", [old.challengeId]);
    const deadKey = `test_dead:${crypto.randomUUID()}`;
    const liveKey = `test_live:${crypto.randomUUID()}`;
    await sql(
      "INSERT INTO rate_limits (key, count, window_start, expires_at) VALUES ($1, 1, now() - interval '2 hours', now() - interval '1 hour'), ($2, 1, now(), now() + interval '1 hour')",
      [deadKey, liveKey],
    );

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);

    const challenges = await sql<{ id: string }>("SELECT id FROM challenges WHERE id = ANY($1::uuid[])", [[old.challengeId, live.challengeId]]);
    expect(challenges.map((c) => c.id)).toEqual([live.challengeId]);
    const limits = await sql<{ key: string }>("SELECT key FROM rate_limits WHERE key = ANY($1::text[])", [[deadKey, liveKey]]);
    expect(limits.map((l) => l.key)).toEqual([liveKey]);
  });
});
