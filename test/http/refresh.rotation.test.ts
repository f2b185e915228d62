// Property: refresh tokens rotate. Each refresh returns a new pair and kills the
// old token; presenting a rotated token revokes the whole family, unless it is a
// retry: within REFRESH_RETRY_GRACE_SECONDS of its rotation, while its successor
// is unused, it gets the same new refresh token again (idempotent; parallel
// refreshes with one token all get that one). Without the grace, of parallel
// refreshes exactly one wins. Logout revokes; a refresh token is never accepted
// as an access token (nor the reverse).
import { describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { loginWithCode } from "../support/flows";
import { sql } from "../support/sql";

async function signIn() {
  const { challengeId, code } = await loginWithCode();
  const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
  expect(verified.status).toBe(200);
  return verified.body as { access_token: string; refresh_token: string; refresh_expires_in: number };
}

const refresh = (token: string) => api("POST", "/auth/token/refresh", { body: { refresh_token: token } });
const familyOf = (token: string) => token.split(".")[0];

// The tests run at once: each signs in its own account, so none waits on another's round trips.
describe.concurrent("refresh tokens", () => {
  it("come with verify: opaque, with their lifetime", async () => {
    const pair = await signIn();
    expect(pair.refresh_token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(pair.refresh_expires_in).toBe(30 * 86_400);
  });

  it("rotate: a new pair, the old refresh token dies, the new one works", async () => {
    const first = await signIn();
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    // The family keeps the expiry it got at sign-in.
    expect(second.body.refresh_expires_in).toBeGreaterThan(30 * 86_400 - 60);
    expect(second.body.refresh_expires_in).toBeLessThanOrEqual(30 * 86_400);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await api("GET", "/auth/me", { token: second.body.access_token })).status).toBe(200);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
  });

  it("revoke the whole family when a rotated token is reused after its successor was used", async () => {
    const first = await signIn();
    const second = await refresh(first.refresh_token);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    expectError(await refresh(first.refresh_token), "invalid_token");
    // The thief's replay also killed the legitimate holder's newer token.
    expectError(await refresh(third.body.refresh_token), "invalid_token");
  });

  it("revoke the whole family when a rotated token is reused after the grace", async () => {
    const first = await signIn();
    const second = await refresh(first.refresh_token);
    await sql("UPDATE refresh_sessions SET rotated_at = now() - interval '11 seconds' WHERE id = $1", [familyOf(first.refresh_token)]);
    expectError(await refresh(first.refresh_token), "invalid_token");
    expectError(await refresh(second.body.refresh_token), "invalid_token");
  });

  it("give a retry within the grace the same new refresh token and a valid access token, as often as it is retried", async () => {
    const first = await signIn();
    const second = await refresh(first.refresh_token);
    const retried = await refresh(first.refresh_token);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.refresh_token).toBe(second.body.refresh_token);
    expect((await api("GET", "/auth/me", { token: retried.body.access_token })).status).toBe(200);
    expect((await refresh(first.refresh_token)).body.refresh_token).toBe(second.body.refresh_token);
    // The family lives on: the successor rotates as usual.
    expect((await refresh(second.body.refresh_token)).status).toBe(200);
  });

  it("give parallel refreshes with one token the same new refresh token, and keep the family", async () => {
    const { refresh_token } = await signIn();
    const responses = await Promise.all(Array.from({ length: 8 }, () => refresh(refresh_token)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(responses.map((r) => r.body.refresh_token)).size).toBe(1);
    expect((await refresh(responses[0]!.body.refresh_token)).status).toBe(200);
  });

  it("without the grace (REFRESH_RETRY_GRACE_SECONDS=0), give exactly one winner among parallel refreshes, then revoke the family", async () => {
    const { refresh_token } = await signIn();
    const noGrace = (token: string) => apiWith({ REFRESH_RETRY_GRACE_SECONDS: "0" }, "POST", "/auth/token/refresh", { body: { refresh_token: token } });
    const responses = await Promise.all(Array.from({ length: 8 }, () => noGrace(refresh_token)));
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.body?.error?.code === "invalid_token")).toHaveLength(7);
    expectError(await noGrace(winners[0]!.body.refresh_token), "invalid_token");
  });

  it("report the family's remaining lifetime after a refresh, not a fresh one", async () => {
    const first = await signIn();
    await sql("UPDATE refresh_sessions SET expires_at = now() + interval '1 hour' WHERE id = $1", [familyOf(first.refresh_token)]);
    const second = await refresh(first.refresh_token);
    expect(second.body.refresh_expires_in).toBeGreaterThan(3500);
    expect(second.body.refresh_expires_in).toBeLessThanOrEqual(3600);
  });

  it("log the whole family out even from a rotated token (a victim can end a thief's session)", async () => {
    const first = await signIn();
    const thief = await refresh(first.refresh_token);
    expect((await api("POST", "/auth/logout", { body: { refresh_token: first.refresh_token } })).status).toBe(204);
    expectError(await refresh(thief.body.refresh_token), "invalid_token");
  });

  it("die on logout (204), and logout is idempotent", async () => {
    const { refresh_token } = await signIn();
    const out = await api("POST", "/auth/logout", { body: { refresh_token } });
    expect(out.status).toBe(204);
    expectError(await refresh(refresh_token), "invalid_token");
    expect((await api("POST", "/auth/logout", { body: { refresh_token } })).status).toBe(204);
  });

  it("are refused when unknown, malformed, or an access token", async () => {
    const { access_token, refresh_token } = await signIn();
    expectError(await refresh(`${crypto.randomUUID()}.${"A".repeat(43)}`), "invalid_token");
    expectError(await refresh("garbage"), "invalid_token");
    expectError(await refresh(access_token), "invalid_token");
    expectError(await api("GET", "/auth/me", { token: refresh_token }), "invalid_token");
  });
});
