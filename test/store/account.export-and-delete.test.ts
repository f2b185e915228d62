// Property: an account's data is its own (LGPD). Exporting gives, on the
// caller's live session, the profile, the factors without their secrets, how
// many recovery codes are used and unused, every session (newest first) and
// every event (newest first); deleting removes the account and every row of it
// (challenges, sessions, factors, recovery codes, events), after which its
// e-mail is free for a new account. Other accounts keep theirs.
import { describe, expect, it } from "vitest";
import { anAuthenticator, aRecoveryChallenge, recoveryProof, storeStep } from "../support/authenticator";
import { aChallenge, aSession, aUser, CLIENT, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: export and deletion", (kind) => {
  const h = useHarness(kind);

  it("exports the profile, factors without secrets, recovery-code counts, sessions and events", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    await h.store.consumeChallenge(await aRecoveryChallenge(h.store, auth.user), await recoveryProof(auth.recovery.codes[0]!), verifyOptions());
    await h.elapse(30);
    const latest = await aSession(h.store, auth.user);
    const data = await h.store.exportAccount(latest.caller);
    const events = (await h.store.listEvents(latest.caller, null, 100))!;
    const { user } = auth;
    expect(data).toEqual({
      profile: { id: user.id, email: user.email, phone: null, locale: "en", email_verified_at: h.timestamp(-30), phone_verified_at: null, created_at: h.timestamp(-30) },
      factors: [{ id: auth.factorId, type: "totp", status: "active", created_at: h.timestamp(-30), confirmed_at: h.timestamp(-30), last_used_at: h.timestamp(-30) }],
      recovery_codes: { unused: 9, used: 1 },
      sessions: [
        { id: latest.sid, created_at: h.timestamp(), last_used_at: h.timestamp(), ...exported(CLIENT), factor: "email", revoked_at: null, expires_at: h.timestamp(3_600) },
        expect.objectContaining({ factor: "recovery", created_at: h.timestamp(-30) }),
        expect.objectContaining({ id: auth.session.sid, factor: "email", created_at: h.timestamp(-30) }),
      ],
      events: events.map((e) => ({ id: String(e.id), type: e.type, at: e.at, ip_prefix: e.ipPrefix, user_agent: e.userAgent, factor: e.factor })),
    });
    expect(events.map((e) => e.type)).toEqual(["login_succeeded", "recovery_code_used", "login_succeeded", "factor_enrolled", "login_succeeded"]);
    expect(JSON.stringify(data)).not.toContain("sealed:");
  });

  it("deletes the account and every row of it, and frees its e-mail", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    const { user } = auth;
    const challenge = await aChallenge(h.store, user);
    const bystander = await aSession(h.store, await aUser(h.store));
    expect(await h.store.deleteAccount(auth.session.caller)).toBe(true);
    expect(await h.store.findUserById(user.id)).toBeNull();
    expect(await h.challenge(challenge.id)).toBeNull();
    expect(await h.family(auth.session.id)).toBeNull();
    expect(await h.totp(user.id)).toBeNull();
    expect(await h.recoveryCodes(user.id)).toEqual({ unused: 0, used: 0 });
    expect(await h.events(user.id)).toEqual([]);
    expect(await h.store.deleteAccount(auth.session.caller)).toBe(false);
    expect(await h.store.exportAccount(auth.session.caller)).toBeNull();
    expect(await h.family(bystander.id)).toEqual({ revoked: false, rotated: false });
    expect(await h.store.createUser({ id: crypto.randomUUID(), email: user.email, phone: null, passwordHash: "hash", locale: "en" })).not.toBeNull();
  });
});

/** A client as the export spells it. */
function exported(client: typeof CLIENT) {
  return { user_agent: client.userAgent, ip_prefix: client.ipPrefix };
}
