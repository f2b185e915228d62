// Property: a slow database (200 ms per round trip) slows the service by one
// round trip per statement and nothing more: the whole flow succeeds, each
// request within DATABASE_TIMEOUT_MS + 1 s. A flapping database (reachable, then
// not, in turns) gets each request either its normal answer or 503
// service_unavailable, never a 500 and never a hang, and leaves the counters
// exact: a guess is counted if and only if it was answered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_TIMEOUT_MS } from "../../functions/core/config";
import { api, apiWith, randomIp } from "../support/api";
import { answerBound, CHAOS_TIMEOUT_MS, chaosProxy, LOADED_MACHINE_HEADROOM_MS, through, type ChaosProxy } from "../support/chaos";
import { expectError } from "../support/expect";
import { latestCode, loginWithCode, PASSWORD, uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";

const SLOW_RTT_MS = 200;

let proxy: ChaosProxy;
beforeAll(async () => {
  proxy = await chaosProxy();
});
afterAll(() => proxy?.close());

describe("a slow database (200 ms per round trip)", () => {
  it("serves the whole flow, one round trip per statement, each request within the bound", async () => {
    await proxy.set({ mode: "slow", rttMs: SLOW_RTT_MS });
    // The production deadline: a slow database is not an outage.
    const o = through(proxy, DATABASE_TIMEOUT_MS);
    const bound = answerBound(DATABASE_TIMEOUT_MS) + LOADED_MACHINE_HEADROOM_MS;
    const timed = async (statements: number, call: () => ReturnType<typeof apiWith>) => {
      const started = Date.now();
      const response = await call();
      const elapsed = Date.now() - started;
      // At least one delayed round trip per statement (so the delay is really in the path)...
      expect(elapsed).toBeGreaterThanOrEqual(statements * SLOW_RTT_MS - 20);
      expect(elapsed).toBeLessThan(bound);
      return response;
    };
    const email = uniqueEmail("slow");
    expect((await timed(2, () => apiWith(o, "POST", "/auth/register", { body: { email, password: PASSWORD } }))).status).toBe(201);
    const login = await timed(2, () => apiWith(o, "POST", "/auth/login", { body: { email, password: PASSWORD } }));
    expect(login.status, JSON.stringify(login.body)).toBe(202);
    const code = await latestCode(email);
    const verified = await timed(1, () => apiWith(o, "POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code } }));
    expect(verified.status).toBe(200);
    expect((await timed(1, () => apiWith(o, "GET", "/auth/me", { token: verified.body.access_token }))).status).toBe(200);
    const refreshed = await timed(1, () => apiWith(o, "POST", "/auth/token/refresh", { body: { refresh_token: verified.body.refresh_token } }));
    expect(refreshed.status).toBe(200);
    expect((await timed(1, () => apiWith(o, "POST", "/auth/logout", { body: { refresh_token: refreshed.body.refresh_token } }))).status).toBe(204);
    expect((await timed(1, () => apiWith(o, "GET", "/health"))).status).toBe(200);
  });
});

describe("a flapping database", () => {
  it("gets each request its answer or 503, never a 500; a guess is counted exactly when answered", async () => {
    const ip = randomIp();
    await proxy.set({ mode: "flap", periodMs: 120 });
    const outcomes: { challengeId: string; status: number }[] = [];
    const seen = () => new Set(outcomes.map((o) => o.status)).size;
    // At least 8 guesses, and on until both answers were seen (bounded): the turns
    // are by time, and how many guesses fit in one depends on the machine.
    for (let i = 0; (i < 8 || seen() < 2) && i < 40; i++) {
      const { challengeId, code } = await loginWithCode();
      const started = Date.now();
      const response = await apiWith(through(proxy), "POST", "/auth/2fa/verify", {
        body: { challenge_id: challengeId, code: code === "000000" ? "111111" : "000000" },
        headers: { "cf-connecting-ip": ip },
      });
      expect(Date.now() - started).toBeLessThan(answerBound(CHAOS_TIMEOUT_MS) + LOADED_MACHINE_HEADROOM_MS);
      if (response.status === 503) expectError(response, "service_unavailable");
      else expectError(response, "invalid_code");
      outcomes.push({ challengeId, status: response.status });
    }
    await proxy.set({ mode: "pass" });
    // Both kinds happened, or the flapping proved nothing.
    expect(seen(), JSON.stringify(outcomes.map((o) => o.status))).toBe(2);
    const answered = outcomes.filter((o) => o.status === 401).length;
    for (const { challengeId, status } of outcomes) {
      const [row] = await sql<{ attempts: number }>("SELECT attempts FROM challenges WHERE id = $1", [challengeId]);
      expect(row!.attempts, `challenge answered ${status}`).toBe(status === 401 ? 1 : 0);
    }
    const [ipCounter] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`verify_ip:${ip.replace(/::1$/, "::/64")}`]);
    expect(ipCounter!.count).toBe(answered);
  });

  it("answers /health and /auth/me with 200 or 503 only", async () => {
    const { challengeId, code } = await loginWithCode();
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    await proxy.set({ mode: "flap", periodMs: 80 });
    const statuses = new Set<number>();
    // At least 12 rounds, and on until both answers were seen (a loaded machine may stretch a round over a turn).
    for (let i = 0; (i < 12 || statuses.size < 2) && i < 100; i++) {
      const [health, me] = await Promise.all([
        apiWith(through(proxy), "GET", "/health"),
        apiWith(through(proxy), "GET", "/auth/me", { token: verified.body.access_token }),
      ]);
      for (const r of [health, me]) {
        expect([200, 503]).toContain(r.status);
        statuses.add(r.status);
      }
    }
    await proxy.set({ mode: "pass" });
    expect(statuses.size, "both answers seen while flapping").toBe(2);
  });
});
