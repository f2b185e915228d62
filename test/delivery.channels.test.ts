// Property: a code goes out through the configured provider or not at all. A
// failing provider gives 502 delivery_failed and leaves no usable challenge; with
// no provider, development prints the code to the console and production refuses.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, apiWith } from "./support/api";
import { expectError } from "./support/expect";
import { PASSWORD, registerUser, uniqueEmail } from "./support/flows";
import { sql } from "./support/sql";

afterEach(() => vi.restoreAllMocks());

describe("delivery", () => {
  it("gives 502 delivery_failed when SendGrid fails, and revokes the challenge", async () => {
    const user = await registerUser({ email: uniqueEmail("fail") });
    expectError(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }), "delivery_failed");
    const rows = await sql<{ consumed_at: string | null }>("SELECT consumed_at FROM challenges WHERE user_id = $1", [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.consumed_at).not.toBeNull();
  });

  it("gives 502 delivery_failed when Twilio fails", async () => {
    const user = await registerUser({ phone: "+15550001234" });
    expectError(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } }), "delivery_failed");
  });

  it("gives 502 delivery_failed when the provider is unreachable", async () => {
    const user = await registerUser();
    const response = await apiWith({ SENDGRID_API_URL: "http://127.0.0.1:9" }, "POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    expectError(response, "delivery_failed");
  });

  it("gives 503 channel_unavailable in production when the channel has no provider", async () => {
    const user = await registerUser();
    const response = await apiWith({ ENVIRONMENT: "production", SENDGRID_API_KEY: undefined }, "POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    expectError(response, "channel_unavailable", 503);
  });

  it("prints the code to the dev console in development when the channel has no provider", async () => {
    const user = await registerUser();
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
    const response = await apiWith({ ENVIRONMENT: "development", TWILIO_ACCOUNT_SID: undefined, SENDGRID_API_KEY: undefined }, "POST", "/auth/login", {
      body: { email: user.email, password: PASSWORD },
    });
    expect(response.status).toBe(202);
    const line = printed.find((l) => l.startsWith("[dev delivery]"));
    const code = line?.match(/code (\d{6})/)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: response.body.challenge_id, code } });
    expect(verified.status).toBe(200);
  });
});
