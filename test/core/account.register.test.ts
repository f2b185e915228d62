// Property: registration creates one account per e-mail (a taken one is
// email_taken), refuses the most common passwords before any work, counts the
// client's registrations before hashing (rate_limited, no derivation), and
// stores only a salted, peppered hash at the configured cost.
import { describe, expect, it, vi } from "vitest";
import { register } from "../../functions/core/account/register";
import { verifyPassword } from "../../functions/core/account/password";
import { coreWorld, countingStore, expectAuthError } from "../support/core";

const email = () => `user-${crypto.randomUUID()}@example.test`;

describe("register", () => {
  it("creates an account with its phone, and stores a peppered hash at the configured cost", async () => {
    const world = coreWorld();
    const user = await register(world.deps, { email: email(), password: "correct horse battery staple", phone: "+5511987654321" });
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: user.email, phone: "+5511987654321", locale: "en" });
    const stored = world.tables.users.get(user.id)!.passwordHash;
    expect(stored).toMatch(new RegExp(`^pbkdf2-sha256\\$${world.config.passwordIterations}\\$`));
    expect(stored).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery staple", stored, world.config.pepper)).toBe(true);
  });

  it("answers a taken e-mail with email_taken", async () => {
    const world = coreWorld();
    const address = email();
    await register(world.deps, { email: address, password: "correct horse battery staple" });
    await expectAuthError(register(world.deps, { email: address, password: "another good passphrase" }), "email_taken", 409);
    expect(world.tables.users.size).toBe(1);
  });

  it("refuses a common password before touching the store", async () => {
    const world = coreWorld();
    const counting = countingStore(world.store);
    const error = await expectAuthError(register({ ...world.deps, store: counting.store }, { email: email(), password: "Password123" }), "invalid_request", 400);
    expect(error.extras).toEqual({ details: [{ field: "password", message: expect.any(String) }] });
    expect(counting.calls.size).toBe(0);
  });

  it("limits registrations per client before hashing", async () => {
    const world = coreWorld({ bindings: { RATE_LIMIT_REGISTER_IP: "2/3600" } });
    for (let i = 0; i < 2; i++) await register(world.deps, { email: email(), password: "correct horse battery staple" });
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const error = await expectAuthError(register(world.deps, { email: email(), password: "correct horse battery staple" }), "rate_limited");
    expect(error.extras).toEqual({ retry_after: 3_600 });
    expect(derive).not.toHaveBeenCalled();
  });
});
