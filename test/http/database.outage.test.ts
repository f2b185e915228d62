// Property: when the database refuses connections, or accepts them and never
// answers, every route still answers within DATABASE_TIMEOUT_MS + 1 s: the API
// with 503 service_unavailable and Retry-After in the JSON error shape, /health
// with 503 unhealthy. Never a 500, never a hang. Each request writes one
// database_unavailable log line, and none is logged as an unhandled error. When
// the database is back, the same requests succeed without a restart. Postgres
// saying it cannot serve now (53300 too many connections, 57P01 admin shutdown,
// 08006 connection failure) is the same 503; any other SQLSTATE is a bug, a 500.
import { env } from "cloudflare:test";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../functions/core/errors";
import { api, apiWith, type ApiResponse } from "../support/api";
import { answerBound, CHAOS_TIMEOUT_MS, chaosProxy, LOADED_MACHINE_HEADROOM_MS, through, type ChaosProxy } from "../support/chaos";
import { expectError } from "../support/expect";
import { loginWithCode, PASSWORD, uniqueEmail } from "../support/flows";

interface Fixture {
  email: string;
  challengeId: string;
  refreshToken: string;
  accessToken: string;
}

interface Route {
  name: string;
  call(overrides: Record<string, string>): Promise<ApiResponse>;
  /** /health and /health/deep answer their own 503 body, not the error shape. */
  health?: boolean;
}

function everyRoute(f: Fixture): Route[] {
  return [
    { name: "POST /auth/register", call: (o) => apiWith(o, "POST", "/auth/register", { body: { email: uniqueEmail("outage"), password: PASSWORD } }) },
    { name: "POST /auth/login", call: (o) => apiWith(o, "POST", "/auth/login", { body: { email: f.email, password: PASSWORD } }) },
    { name: "POST /auth/2fa/verify", call: (o) => apiWith(o, "POST", "/auth/2fa/verify", { body: { challenge_id: f.challengeId, code: "000000" } }) },
    { name: "POST /auth/2fa/resend", call: (o) => apiWith(o, "POST", "/auth/2fa/resend", { body: { challenge_id: f.challengeId } }) },
    { name: "POST /auth/token/refresh", call: (o) => apiWith(o, "POST", "/auth/token/refresh", { body: { refresh_token: f.refreshToken } }) },
    { name: "POST /auth/logout", call: (o) => apiWith(o, "POST", "/auth/logout", { body: { refresh_token: f.refreshToken } }) },
    { name: "GET /auth/me", call: (o) => apiWith(o, "GET", "/auth/me", { token: f.accessToken }) },
    { name: "GET /health", call: (o) => apiWith(o, "GET", "/health"), health: true },
    { name: "GET /health/deep", call: (o) => apiWith(o, "GET", "/health/deep", { token: env.HEALTH_DEEP_TOKEN }), health: true },
  ];
}

/** Calls every route at once through `overrides`; each answer with its own elapsed time. */
async function callAll(routes: Route[], overrides: Record<string, string>) {
  return Promise.all(
    routes.map(async (route) => {
      const started = Date.now();
      const response = await route.call(overrides);
      return { route, response, elapsed: Date.now() - started };
    }),
  );
}

function expectUnavailable({ route, response }: { route: Route; response: ApiResponse }) {
  if (route.health) {
    expect(response.status, route.name).toBe(503);
    expect(response.body, route.name).toMatchObject({ status: "unhealthy", database: "disconnected" });
    return;
  }
  expectError(response, "service_unavailable");
  expect(response.headers.get("retry-after"), route.name).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
  expect(response.body.error.retry_after, route.name).toBe(DATABASE_RETRY_AFTER_SECONDS);
}

let fixture: Fixture;
let proxy: ChaosProxy;

beforeAll(async () => {
  // A signed-in user (tokens), and another with a live challenge (each account gets one code a minute).
  const signedIn = await loginWithCode();
  const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: signedIn.challengeId, code: signedIn.code } });
  expect(verified.status).toBe(200);
  const pending = await loginWithCode();
  fixture = {
    email: pending.user.email,
    challengeId: pending.challengeId,
    refreshToken: verified.body.refresh_token,
    accessToken: verified.body.access_token,
  };
  proxy = await chaosProxy();
});

afterAll(() => proxy?.close());
afterEach(() => vi.restoreAllMocks());

describe("a database that refuses connections", () => {
  it("gets 503 from every route, with Retry-After, well within DATABASE_TIMEOUT_MS + 1 s", async () => {
    await proxy.set({ mode: "refuse" });
    const answers = await callAll(everyRoute(fixture), through(proxy));
    for (const answer of answers) {
      expectUnavailable(answer);
      expect(answer.elapsed, answer.route.name).toBeLessThan(answerBound(CHAOS_TIMEOUT_MS) + LOADED_MACHINE_HEADROOM_MS);
    }
  });

  it("writes one database_unavailable line per request, and no unhandled error", async () => {
    await proxy.set({ mode: "refuse" });
    const lines: Record<string, unknown>[] = [];
    const keep = (line: unknown) => void lines.push(JSON.parse(String(line)));
    for (const level of ["log", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation(keep);
    const answers = await callAll(everyRoute(fixture), through(proxy));
    vi.restoreAllMocks();
    for (const { route, response } of answers) {
      const id = response.headers.get("x-request-id");
      const mine = lines.filter((l) => l.request_id === id);
      expect(mine.filter((l) => l.msg === "database_unavailable"), route.name).toHaveLength(1);
      expect(mine.find((l) => l.msg === "database_unavailable"), route.name).toMatchObject({ reason: "unreachable" });
      expect(mine.filter((l) => l.msg === "unhandled_error" || l.msg === "request_failed"), route.name).toHaveLength(0);
    }
  });
});

describe("a database that accepts and never answers", () => {
  it("gets 503 from every route once DATABASE_TIMEOUT_MS has passed, within DATABASE_TIMEOUT_MS + 1 s", async () => {
    await proxy.set({ mode: "hang" });
    const answers = await callAll(everyRoute(fixture), through(proxy));
    for (const answer of answers) {
      expectUnavailable(answer);
      // The deadline is what ends the wait: not sooner (some other failure), not much later.
      expect(answer.elapsed, answer.route.name).toBeGreaterThanOrEqual(CHAOS_TIMEOUT_MS - 50);
      expect(answer.elapsed, answer.route.name).toBeLessThan(answerBound(CHAOS_TIMEOUT_MS) + LOADED_MACHINE_HEADROOM_MS);
    }
  });
});

describe("Postgres saying it cannot serve now", () => {
  it("is a 503 for 53300, 57P01 and 08006, and a 500 (a bug) for any other SQLSTATE", async () => {
    const lines: Record<string, unknown>[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line))));
    for (const code of ["53300", "57P01", "08006"]) {
      await proxy.set({ mode: "error", code });
      const response = await apiWith(through(proxy), "GET", "/auth/me", { token: fixture.accessToken });
      expectError(response, "service_unavailable");
      const line = lines.find((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "database_unavailable");
      expect(line, code).toMatchObject({ reason: "sqlstate", detail: code });
    }
    await proxy.set({ mode: "error", code: "42P01" });
    expectError(await apiWith(through(proxy), "GET", "/auth/me", { token: fixture.accessToken }), "internal_error");
  });
});

describe("the database back", () => {
  it("serves the same routes again, through the same endpoint, without a restart", async () => {
    await proxy.set({ mode: "refuse" });
    expectError(await apiWith(through(proxy), "GET", "/auth/me", { token: fixture.accessToken }), "service_unavailable");
    await proxy.set({ mode: "pass" });
    const me = await apiWith(through(proxy), "GET", "/auth/me", { token: fixture.accessToken });
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    const health = await apiWith(through(proxy), "GET", "/health");
    expect(health.status).toBe(200);
    const refreshed = await apiWith(through(proxy), "POST", "/auth/token/refresh", { body: { refresh_token: fixture.refreshToken } });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
  });
});
