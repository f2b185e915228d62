// Property: registration accepts only well-formed accounts, normalises the e-mail,
// refuses duplicates and common passwords, and explains every refusal field by field.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, uniqueEmail, uniquePhone } from "../support/flows";

describe("POST /auth/register", () => {
  it("creates the account with a trimmed, lowercased e-mail and an E.164 phone", async () => {
    const email = uniqueEmail("Mixed.Case");
    const phone = uniquePhone();
    const response = await api("POST", "/auth/register", { body: { email: `  ${email.toUpperCase()} `, password: PASSWORD, phone } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ user: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: email.toLowerCase(), phone, locale: "en" } });
  });

  it("gives 409 email_taken for an e-mail already registered, whatever its case", async () => {
    const email = uniqueEmail();
    expect((await api("POST", "/auth/register", { body: { email, password: PASSWORD } })).status).toBe(201);
    expectError(await api("POST", "/auth/register", { body: { email: email.toUpperCase(), password: PASSWORD } }), "email_taken");
  });

  it("gives exactly one 201 when the same e-mail registers twice at once", async () => {
    const email = uniqueEmail("race");
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => api("POST", "/auth/register", { body: { email, password: PASSWORD } })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it.each([
    ["a malformed e-mail", { email: "not-an-email", password: PASSWORD }, "email"],
    ["a password under 8 characters", { email: uniqueEmail(), password: "short12" }, "password"],
    ["a password over 128 characters", { email: uniqueEmail(), password: "x".repeat(129) }, "password"],
    ["a common password", { email: uniqueEmail(), password: "Password123" }, "password"],
    ["a phone that is not E.164", { email: uniqueEmail(), password: PASSWORD, phone: "011 98765-4321" }, "phone"],
    ["a missing password", { email: uniqueEmail() }, "password"],
    ["a number where a string belongs", { email: 42, password: PASSWORD }, "email"],
  ])("gives 400 invalid_request naming the field for %s", async (_, body, field) => {
    const response = await api("POST", "/auth/register", { body });
    expectError(response, "invalid_request");
    expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it("counts password length in characters, not UTF-16 units", async () => {
    // 8 emoji are 16 UTF-16 units but 8 characters: allowed.
    const response = await api("POST", "/auth/register", { body: { email: uniqueEmail(), password: "🔐".repeat(8) } });
    expect(response.status).toBe(201);
  });
});
