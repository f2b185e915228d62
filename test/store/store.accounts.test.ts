// Property: an e-mail belongs to one account. Creating a user returns it (found
// by id with its language, nothing verified, and when it was made), a taken
// e-mail gives null (never an error, never a second account, even when many
// sign-ups for one address race), and ids are uuids: any spelling Postgres
// accepts finds the account, anything else is refused.
import { describe, expect, it } from "vitest";
import { aUser, secretLike, type User } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: accounts", (kind) => {
  const h = useHarness(kind);

  /** A new account's profile: its language, nothing verified yet, created now. */
  const profileOf = (user: Pick<User, "id" | "email" | "phone">, locale = "en") => ({
    id: user.id,
    email: user.email,
    phone: user.phone,
    locale,
    emailVerifiedAt: null,
    phoneVerifiedAt: null,
    createdAt: h.timestamp(),
  });

  it("creates a user and finds it by id, phone included", async () => {
    const user = await aUser(h.store, { phone: "+5511987654321" });
    expect(await h.store.findUserById(user.id)).toEqual(profileOf({ ...user, phone: "+5511987654321" }));
    expect(await h.store.findUserById(crypto.randomUUID())).toBeNull();
  });

  it("keeps the language the account was created in", async () => {
    const user = await aUser(h.store, { locale: "pt-BR" });
    expect(await h.store.findUserById(user.id)).toEqual(profileOf(user, "pt-BR"));
  });

  it("gives null for a taken e-mail and keeps the first account", async () => {
    const first = await aUser(h.store);
    const second = { id: crypto.randomUUID(), email: first.email, phone: null, passwordHash: secretLike(), locale: "en" };
    expect(await h.store.createUser(second)).toBeNull();
    expect(await h.store.findUserById(second.id)).toBeNull();
    expect(await h.store.findUserById(first.id)).toEqual(profileOf(first));
  });

  it("creates exactly one account when 10 sign-ups for one e-mail race", async () => {
    const email = `race-${crypto.randomUUID()}@example.test`;
    const attempts = Array.from({ length: 10 }, () => ({ id: crypto.randomUUID(), email, phone: null, passwordHash: secretLike(), locale: "en" }));
    const results = await Promise.all(attempts.map((user) => h.racing.createUser(user)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const found = await Promise.all(attempts.map((user) => h.store.findUserById(user.id)));
    expect(found.filter((r) => r !== null).map(({ id, email, phone }) => ({ id, email, phone }))).toEqual(winners);
  });

  it("refuses a taken id under a new e-mail, and changes nothing", async () => {
    const first = await aUser(h.store);
    const clash = { id: first.id, email: `clash-${crypto.randomUUID()}@example.test`, phone: null, passwordHash: secretLike(), locale: "en" };
    await expect(h.store.createUser(clash)).rejects.toThrow();
    expect(await h.store.findUserById(first.id)).toEqual(profileOf(first));
  });

  it("reads ids as uuids: any case, braces or hyphen placement finds the account; anything else is refused", async () => {
    const user = await aUser(h.store);
    const hex = user.id.replace(/-/g, "");
    for (const spelling of [user.id.toUpperCase(), `{${user.id}}`, hex, hex.replace(/(.{4})(?!$)/g, "$1-")]) {
      expect(await h.store.findUserById(spelling), spelling).toEqual(profileOf(user));
    }
    for (const junk of ["not-a-uuid", ` ${user.id}`, `{${user.id}`, `${hex}0`, "' OR 1=1 --"]) {
      await expect(h.store.findUserById(junk), junk).rejects.toThrow();
    }
  });

  it("refuses the NUL character in text, and answers the health ping", async () => {
    await expect(h.store.createUser({ id: crypto.randomUUID(), email: "nul\u0000@example.test", phone: null, passwordHash: secretLike(), locale: "en" })).rejects.toThrow();
    await expect(h.store.ping()).resolves.toBeUndefined();
  });
});
