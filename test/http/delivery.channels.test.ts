// Property: a code goes out through the configured provider or not at all. Through
// the queue, a failing provider is retried and, once the retries run out, the
// challenge is revoked; on the direct path (no queue) a failing provider gives 502
// delivery_failed and revokes the challenge at once. With no provider, development
// prints the code to the console and production refuses.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, apiWith } from "../support/api";
import { eventually } from "../support/eventually";
import { expectError } from "../support/expect";
import { PASSWORD, registerUser, uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";

afterEach(() => vi.restoreAllMocks());

/** Login on the direct path: the worker without its queue binding. */
const direct = { DELIVERY_QUEUE: undefined };

describe("delivery through the queue", () => {
  it("answers 202 at once; a provider that keeps failing ends in the dead-letter queue and a revoked challenge", async () => {
    const user = await registerUser({ email: uniqueEmail("fail") });
    const login = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(login.status).toBe(202);
    const row = await eventually(
      "the challenge to be revoked through the dead-letter queue",
      async () =>
        (await sql<{ delivery_status: string; consumed_at: string | null; delivery_attempts: number; delivery_error: string }>(
          "SELECT delivery_status, consumed_at, delivery_attempts, delivery_error FROM challenges WHERE id = $1",
          [login.body.challenge_id],
        ))[0],
      (r) => r?.consumed_at != null,
    );
    expect(row!.delivery_status).toBe("failed");
    // The first try and max_retries (5) retries.
    expect(row!.delivery_attempts).toBe(6);
    expect(row!.delivery_error).toBe("gave up after retries");
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code: "123456" } }), "challenge_expired");
  });
});

describe("delivery on the direct path", () => {
  it("gives 502 delivery_failed when SendGrid fails, and revokes the challenge", async () => {
    const user = await registerUser({ email: uniqueEmail("fail") });
    expectError(await apiWith(direct, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }), "delivery_failed");
    const rows = await sql<{ consumed_at: string | null }>("SELECT consumed_at FROM challenges WHERE user_id = $1", [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.consumed_at).not.toBeNull();
  });

  it("gives 502 delivery_failed when Twilio fails", async () => {
    const user = await registerUser({ phone: "+15550001234" });
    expectError(await apiWith(direct, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } }), "delivery_failed");
  });

  it("gives 502 delivery_failed when the provider is unreachable", async () => {
    const user = await registerUser();
    const response = await apiWith({ ...direct, SENDGRID_API_URL: "http://127.0.0.1:9" }, "POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    expectError(response, "delivery_failed");
  });
});

describe("no provider", () => {
  it("gives 503 channel_unavailable in production when the channel has no provider", async () => {
    const user = await registerUser();
    const response = await apiWith({ ENVIRONMENT: "production", SENDGRID_API_KEY: undefined }, "POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    expectError(response, "delivery_unavailable");
    expect(response.headers.get("retry-after")).toBe("60");
  });

  it("prints the code to the dev console in development", async () => {
    const user = await registerUser();
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
    const response = await apiWith({ ...direct, ENVIRONMENT: "development", SENDGRID_API_KEY: undefined }, "POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    expect(response.status).toBe(202);
    const line = printed.find((l) => l.startsWith("[dev delivery]"));
    const code = line?.match(/\b(\d{6})\b/)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: response.body.challenge_id, code } });
    expect(verified.status).toBe(200);
  });
});
