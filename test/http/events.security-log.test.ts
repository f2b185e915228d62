// Property: the security log records what happened to an account, in order, and
// shows each account only its own events: sign-ins that failed and succeeded,
// locks, factor changes, recovery codes, password resets and changes, ended
// sessions and refresh-token reuse. It never holds a code, a password, a token
// or a full IP address, pages with an opaque cursor, and the cron deletes what
// is older than AUTH_EVENTS_RETENTION_DAYS.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { eventually } from "../support/eventually";
import { PASSWORD, signIn, signInAgain } from "../support/flows";
import { sql } from "../support/sql";
import { enrolAuthenticator } from "../support/totp";

const IP = "198.51.100.77";

async function eventsOf(token: string, query = "") {
  const response = await api("GET", `/auth/events${query}`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { events: { id: string; type: string; at: string; ip_prefix: string | null; user_agent: string | null; factor: string | null }[]; next_cursor: string | null };
}

describe("the security log", () => {
  it("records the account's events newest first, with an IP prefix, never the address or a secret", async () => {
    const { user, accessToken } = await signIn();
    // A second session, whose refresh token is replayed below.
    const { refreshToken } = await signInAgain(user);
    const wrong = await api("POST", "/auth/login", { body: { email: user.email, password: "not the password at all" }, headers: { "cf-connecting-ip": IP } });
    expectError(wrong, "invalid_credentials");
    const { recoveryCodes } = await enrolAuthenticator(accessToken);
    const rotated = await api("POST", "/auth/token/refresh", { body: { refresh_token: refreshToken } });
    // Reuse (past the retry grace, here none): that family is revoked.
    await apiWith({ REFRESH_RETRY_GRACE_SECONDS: "0" }, "POST", "/auth/token/refresh", { body: { refresh_token: refreshToken } });
    const reader = { accessToken };

    // The failed login goes through the queue: wait for it to land.
    const page = await eventually("the failed login in the log", () => eventsOf(reader.accessToken), (p) => p.events.some((e) => e.type === "login_failed"));
    const types = page.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["refresh_reuse_detected", "factor_enrolled", "login_failed", "login_succeeded"]));
    expect(types.filter((t) => t === "login_succeeded")).toHaveLength(2);
    // Newest first, by id.
    const ids = page.events.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(ids);
    expect(types.indexOf("refresh_reuse_detected")).toBeLessThan(types.indexOf("factor_enrolled"));
    expect(types.indexOf("factor_enrolled")).toBeLessThan(types.indexOf("login_succeeded"));
    const failed = page.events.find((e) => e.type === "login_failed")!;
    expect(failed.ip_prefix).toBe("198.51.100.0/24");
    const text = JSON.stringify(page);
    for (const secret of [PASSWORD, "not the password at all", IP, accessToken, refreshToken, rotated.body.refresh_token, ...recoveryCodes]) {
      expect(text).not.toContain(secret);
    }
  });

  it("shows an account only its own events", async () => {
    const alice = await signIn();
    const bob = await signIn();
    const bobsPage = await eventsOf(bob.accessToken);
    const [row] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1", [alice.user.id]);
    expect(row!.n).toBeGreaterThan(0);
    const alicesIds = (await sql<{ id: string }>("SELECT id::text FROM auth_events WHERE user_id = $1", [alice.user.id])).map((r) => r.id);
    expect(bobsPage.events.filter((e) => alicesIds.includes(e.id))).toHaveLength(0);
  });

  it("pages with an opaque cursor and refuses a forged one", async () => {
    const { user, accessToken } = await signIn();
    for (let i = 0; i < 5; i++) {
      await sql("INSERT INTO auth_events (user_id, type, ip_prefix) VALUES ($1, 'login_failed', '203.0.113.0/24')", [user.id]);
    }
    const first = await eventsOf(accessToken, "?limit=2");
    expect(first.events).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await eventsOf(accessToken, `?limit=2&before=${first.next_cursor}`);
    expect(second.events).toHaveLength(2);
    expect(BigInt(second.events[0]!.id)).toBeLessThan(BigInt(first.events[1]!.id));
    const all = await eventsOf(accessToken, "?limit=100");
    expect(all.next_cursor).toBeNull();
    expectError(await api("GET", "/auth/events?before=not-a-cursor", { token: accessToken }), "invalid_request");
    expectError(await api("GET", "/auth/events?limit=101", { token: accessToken }), "invalid_request");
    expectError(await api("GET", "/auth/events?limit=0", { token: accessToken }), "invalid_request");
  });

  it("is deleted by the cron once older than AUTH_EVENTS_RETENTION_DAYS", async () => {
    const { user } = await signIn();
    await sql("INSERT INTO auth_events (user_id, type, at) VALUES ($1, 'login_failed', now() - interval '91 days'), ($1, 'login_failed', now() - interval '89 days')", [user.id]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const rows = await sql<{ age: number }>("SELECT EXTRACT(DAY FROM now() - at)::int AS age FROM auth_events WHERE user_id = $1 AND type = 'login_failed'", [user.id]);
    expect(rows.map((r) => r.age)).toEqual([89]);
  });
});
