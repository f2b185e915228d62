// Property: a wrong password and an unknown e-mail are indistinguishable to the
// caller: same status, same body. A good password sends a code and reveals only a
// masked destination.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { deliveredTo, waitForDelivery, PASSWORD, registerUser, uniqueEmail, uniquePhone } from "../support/flows";

describe("POST /auth/login", () => {
  it("answers an unknown e-mail exactly like a wrong password", async () => {
    const user = await registerUser();
    const wrong = await api("POST", "/auth/login", { body: { email: user.email, password: "not the password" } });
    const unknown = await api("POST", "/auth/login", { body: { email: uniqueEmail("ghost"), password: PASSWORD } });
    expectError(wrong, "invalid_credentials");
    expectError(unknown, "invalid_credentials");
    expect(unknown.body).toEqual(wrong.body);
    expect(await deliveredTo(user.email)).toHaveLength(0);
  });

  it("sends a 6-digit code by e-mail and masks the address", async () => {
    const user = await registerUser({ email: uniqueEmail("jane") });
    const response = await api("POST", "/auth/login", { body: { email: user.email.toUpperCase(), password: PASSWORD } });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      challenge_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      channel: "email",
      destination: `j***@example.test`,
      expires_in: 300,
      resend_after: 60,
      factors: ["email"],
    });
    const [message] = await waitForDelivery(user.email);
    expect(message?.provider).toBe("sendgrid");
    expect(message?.text).toMatch(/\b\d{6}\b/);
  });

  it("sends the code by SMS when asked, to the account's phone, masked in the answer", async () => {
    const phone = uniquePhone();
    const user = await registerUser({ phone });
    const response = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } });
    expect(response.status).toBe(202);
    expect(response.body.destination).toBe(`${phone.slice(0, 3)}${"*".repeat(phone.length - 5)}${phone.slice(-2)}`);
    const [message] = await waitForDelivery(phone);
    expect(message?.provider).toBe("twilio");
    expect(message?.text).toMatch(/\b\d{6}\b/);
  });

  it("gives 422 channel_unavailable for SMS on an account with no phone", async () => {
    const user = await registerUser();
    expectError(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } }), "channel_unavailable");
  });

  it("gives 400 invalid_request for an unknown channel", async () => {
    const response = await api("POST", "/auth/login", { body: { email: uniqueEmail(), password: PASSWORD, channel: "pigeon" } });
    expectError(response, "invalid_request");
    expect(response.body.error.details[0].field).toBe("channel");
  });
});
