// Property: once an authenticator app is active, e-mail and SMS codes are off
// for sign-in (a mailbox alone must not defeat the app, ASVS 5.0 §6.4.3): they
// answer 422 channel_unavailable, and only after a correct password (a wrong one
// gets the usual 401 invalid_credentials, whatever the channel). Recovery codes
// stay as the fallback. ALLOW_WEAK_FALLBACK=true turns the old behaviour back on.
import { describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { clearCodeCooldown, PASSWORD, signIn, uniquePhone } from "../support/flows";
import { enrolAuthenticator } from "../support/totp";

describe("with an authenticator app active", () => {
  it("refuses e-mail and SMS codes with 422 after a correct password, 401 after a wrong one", async () => {
    const { user, accessToken } = await signIn({ phone: uniquePhone() });
    await enrolAuthenticator(accessToken);
    for (const channel of ["email", "sms"] as const) {
      const refused = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel } });
      expectError(refused, "channel_unavailable");
      expect(refused.body.error.factors).toEqual(["totp", "recovery"]);
      expectError(await api("POST", "/auth/login", { body: { email: user.email, password: "not the password", channel } }), "invalid_credentials");
    }
    const recovery = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "recovery" } });
    expect(recovery.status).toBe(202);
  });

  it("allows them again with ALLOW_WEAK_FALLBACK=true, and lists them", async () => {
    const { user, accessToken } = await signIn();
    await enrolAuthenticator(accessToken);
    await clearCodeCooldown(user.id);
    const weak = await apiWith({ ALLOW_WEAK_FALLBACK: "true" }, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "email" } });
    expect(weak.status).toBe(202);
    expect(weak.body.factors).toEqual(["totp", "email", "recovery"]);
  });
});
