// Property: /health answers the uptime monitor with one cheap query: 200 with the
// documented shape when the database answers, 503 within 2 s when it is down or
// hangs. It never contacts a provider.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { deliveredTo } from "../support/flows";
import { sql } from "../support/sql";

describe("GET /health", () => {
  it("reports healthy with exactly the documented fields", async () => {
    const response = await api("GET", "/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "healthy", database: "connected", email_configured: true, sms_configured: true });
  });

  it("reports which channels are configured", async () => {
    const response = await apiWith({ SENDGRID_API_KEY: undefined, TWILIO_AUTH_TOKEN: undefined }, "GET", "/health");
    expect(response.body).toMatchObject({ status: "healthy", email_configured: false, sms_configured: false });
  });

  it("does not send anything", async () => {
    const to = `monitor-${crypto.randomUUID()}@innovation.test`;
    expect((await apiWith({ HEALTH_CHECK_EMAIL: to }, "GET", "/health")).status).toBe(200);
    expect(await deliveredTo(to)).toHaveLength(0);
  });
});

describe("GET /health with the database down", () => {
  it("gives 503 unhealthy when the database refuses connections", async () => {
    const response = await apiWith({ DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:9/postgres?sslmode=disable" }, "GET", "/health");
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ status: "unhealthy", database: "disconnected", email_configured: true, sms_configured: true });
  });

  it("gives 503 within the 2 s bound when the database accepts and never answers", async () => {
    const started = Date.now();
    const response = await apiWith({ DATABASE_URL: env.TEST_HUNG_DATABASE_URL, HEALTH_DB_TIMEOUT_MS: "2000" }, "GET", "/health");
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ status: "unhealthy", database: "disconnected" });
    // A functional bound, not a performance figure: without the timeout this request never returns.
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("gives 503 when HEALTH_DB_TIMEOUT_MS is not a valid number of milliseconds", async () => {
    for (const value of ["soon", "0", "99999999"]) {
      const response = await apiWith({ HEALTH_DB_TIMEOUT_MS: value }, "GET", "/health");
      expect(response.status).toBe(503);
      expect(response.body.database).toBe("disconnected");
    }
  });

  it("gives 503 when DATABASE_URL is not set", async () => {
    const response = await apiWith({ DATABASE_URL: undefined }, "GET", "/health");
    expect(response.status).toBe(503);
    expect(response.body.database).toBe("disconnected");
  });
});

describe("GET /health/deep", () => {
  const deep = (token?: string, overrides: Record<string, string | undefined> = {}) =>
    apiWith(overrides, "GET", "/health/deep", token ? { token } : {});

  it("gives 401 without the token, with a wrong one, or when HEALTH_DEEP_TOKEN is unset", async () => {
    expect((await deep()).status).toBe(401);
    expect((await deep("wrong-token")).status).toBe(401);
    expect((await deep(env.HEALTH_DEEP_TOKEN, { HEALTH_DEEP_TOKEN: undefined })).status).toBe(401);
    expect((await deep("", { HEALTH_DEEP_TOKEN: "" })).status).toBe(401);
  });

  it("really sends a test e-mail to HEALTH_CHECK_EMAIL and checks Twilio without sending an SMS", async () => {
    const to = `monitor-${crypto.randomUUID()}@innovation.test`;
    const response = await deep(env.HEALTH_DEEP_TOKEN, { HEALTH_CHECK_EMAIL: to });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: "healthy", database: "connected", email: "sent", sms: "ok" });
    const messages = await deliveredTo(to);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toContain("health check");
  });

  it("gives 503 with email failed and the reason when SendGrid fails", async () => {
    const response = await deep(env.HEALTH_DEEP_TOKEN, { HEALTH_CHECK_EMAIL: `fail-${crypto.randomUUID()}@innovation.test` });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ status: "unhealthy", email: "failed", reason: expect.stringContaining("500") });
  });

  it("gives 503 with email failed when e-mail is not configured", async () => {
    const response = await deep(env.HEALTH_DEEP_TOKEN, { SENDGRID_API_KEY: undefined });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ email: "failed", reason: expect.stringContaining("SENDGRID_API_KEY") });
  });

  it("is rate-limited across instances: 429 rate_limited with Retry-After past the limit", async () => {
    // The counter is global, and deep checks in other files may bump it too (their
    // limit is high): they can only bring the 429 sooner, never later.
    const limit = { RATE_LIMIT_HEALTH_DEEP: "2/60" };
    await sql("DELETE FROM rate_limits WHERE key = 'health_deep:all'");
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await deep(env.HEALTH_DEEP_TOKEN, limit));
    const limited = answers.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expectError(limited!, "rate_limited");
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(2);
    await sql("DELETE FROM rate_limits WHERE key = 'health_deep:all'");
  });

  it("gives 503 when Twilio refuses the credentials", async () => {
    const response = await deep(env.HEALTH_DEEP_TOKEN, { TWILIO_ACCOUNT_SID: "AC_bad" });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ email: "sent", sms: "failed" });
  });
});
