// Property: each send of a challenge is delivered at most once. A claim succeeds
// only for the current send of a live, undelivered challenge that no one holds a
// fresh claim on (busy until the lease has run out); a recorded delivery makes
// later claims done, a recorded failure frees the send for a retry at once; a
// resend supersedes the old send; abandoning a send revokes its challenge unless
// that send was delivered. A locked account's sign-in challenges have nothing
// to send; its reset codes still go. A claim says what the code is for and the
// account's language. Of parallel claims exactly one wins.
import { describe, expect, it } from "vitest";
import { aChallenge, aPhone, aSession, aUser, CHALLENGE, CLIENT, ipHit, LOCKOUT, newRefresh, proof, renewLimits, secretLike } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const LEASE = 30;

describe.each(stores)("$name store: delivery claims", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, mac: string) => h.store.consumeChallenge(id, proof(mac), { ipHit: ipHit(), refresh: newRefresh(), lockout: LOCKOUT, client: CLIENT });

  it("claims the current send of a live challenge, with where it goes", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    expect(await h.store.claimDelivery(challenge.id, 1, LEASE)).toEqual({ status: "claimed", channel: "email", destination: user.email, purpose: "sign_in", locale: "en" });
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "sending", deliveryAttempts: 1, claimed: true });
  });

  it("is busy while another claim is fresh, and claimable again once its lease ran out", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.claimDelivery(challenge.id, 1, LEASE);
    await h.elapse(LEASE - 1);
    expect(await h.store.claimDelivery(challenge.id, 1, LEASE)).toEqual({ status: "busy" });
    await h.elapse(2);
    expect(await h.store.claimDelivery(challenge.id, 1, LEASE)).toMatchObject({ status: "claimed" });
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryAttempts: 2 });
  });

  it("is done after a recorded delivery, which keeps the provider's message id", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.claimDelivery(challenge.id, 1, LEASE);
    await h.store.recordDelivery(challenge.id, 1, { status: "sent", messageId: "msg-1" });
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "sent", deliveredSend: 1, providerMessageId: "msg-1", claimed: false, deliveryError: null });
    expect(await h.store.claimDelivery(challenge.id, 1, LEASE)).toEqual({ status: "done" });
    // Delivered is not used: the code still verifies.
    expect(await consume(challenge.id, challenge.mac)).toMatchObject({ outcome: "verified" });
  });

  it("frees a send whose delivery failed for a retry at once, and keeps the error (at most 500 characters)", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.claimDelivery(challenge.id, 1, LEASE);
    await h.store.recordDelivery(challenge.id, 1, { status: "failed", error: "x".repeat(600) });
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "failed", deliveryError: "x".repeat(500), claimed: false, deliveredSend: null });
    expect(await h.store.claimDelivery(challenge.id, 1, LEASE)).toMatchObject({ status: "claimed" });
    await h.store.recordDelivery(challenge.id, 1, { status: "sent", messageId: null });
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "sent", deliveredSend: 1, providerMessageId: null, deliveryError: null });
  });

  it("lets a resend supersede the old send: the old one is done, the new one claimable, records of the old ignored", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.claimDelivery(challenge.id, 1, LEASE);
    await h.elapse(CHALLENGE.resendSeconds);
    expect((await h.store.renewChallenge(challenge.id, secretLike(), renewLimits())).outcome).toBe("renewed");
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "queued", claimed: false });
    expect(await h.store.claimDelivery(challenge.id, 1, LEASE)).toEqual({ status: "done" });
    await h.store.recordDelivery(challenge.id, 1, { status: "sent", messageId: "late" });
    await h.store.abandonDelivery(challenge.id, 1, "late give-up");
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "queued", deliveredSend: null, providerMessageId: null, consumed: false });
    expect(await h.store.claimDelivery(challenge.id, 2, LEASE)).toMatchObject({ status: "claimed" });
    expect(await h.store.claimDelivery(challenge.id, 3, LEASE)).toEqual({ status: "done" });
  });

  it("is done for an expired, used, revoked or unknown challenge", async () => {
    const user = await aUser(h.store);
    const [expired, used, revoked] = [await aChallenge(h.store, user, { ttlSeconds: 600 }), await aChallenge(h.store, user, { ttlSeconds: 900 }), await aChallenge(h.store, user, { ttlSeconds: 900 })];
    await consume(used.id, used.mac);
    await h.store.revokeChallenge(revoked.id);
    await h.elapse(600);
    for (const id of [expired.id, used.id, revoked.id, crypto.randomUUID()]) expect(await h.store.claimDelivery(id, 1, LEASE), id).toEqual({ status: "done" });
  });

  it("revokes the challenge when its current send is abandoned", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.claimDelivery(challenge.id, 1, LEASE);
    await h.store.abandonDelivery(challenge.id, 1, "gave up after retries");
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "failed", deliveryError: "gave up after retries", consumed: true });
    expect(await consume(challenge.id, challenge.mac)).toEqual({ outcome: "gone" });
    await h.store.abandonDelivery(crypto.randomUUID(), 1, "nothing there");
  });

  it("does not revoke a challenge whose abandoned send was delivered after all", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.claimDelivery(challenge.id, 1, LEASE);
    await h.store.recordDelivery(challenge.id, 1, { status: "sent", messageId: "msg" });
    await h.store.abandonDelivery(challenge.id, 1, "a stale retry gave up");
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryStatus: "sent", consumed: false });
    expect(await consume(challenge.id, challenge.mac)).toMatchObject({ outcome: "verified" });
  });

  it("is done for a sign-in challenge of a locked account, as its verify and resend are gone", async () => {
    const user = await aUser(h.store);
    const [spent, queued] = [await aChallenge(h.store, user, { maxAttempts: 20 }), await aChallenge(h.store, user)];
    for (let i = 0; i < LOCKOUT.lockAfter; i++) await consume(spent.id, secretLike());
    expect(await h.user(user.id)).toMatchObject({ locked: true });
    expect(await h.store.claimDelivery(queued.id, 1, LEASE)).toEqual({ status: "done" });
    expect(await h.challenge(queued.id)).toMatchObject({ deliveryStatus: "queued", deliveryAttempts: 0, claimed: false });
  });

  it("claims a locked account's reset code: its owner may still replace a password someone else has", async () => {
    const user = await aUser(h.store, { locale: "pt-BR" });
    const spent = await aChallenge(h.store, user, { maxAttempts: 20 });
    for (let i = 0; i < LOCKOUT.lockAfter; i++) await consume(spent.id, secretLike());
    const reset = { id: crypto.randomUUID(), email: user.email, codeMac: secretLike(), ttlSeconds: 900, maxAttempts: 5, ipHit: ipHit(), accountHits: [ipHit()] };
    expect(await h.store.startReset(reset)).toEqual({ outcome: "started", locale: "pt-BR" });
    expect(await h.store.claimDelivery(reset.id, 1, LEASE)).toEqual({ status: "claimed", channel: "email", destination: user.email, purpose: "password_reset", locale: "pt-BR" });
  });

  it("says what a phone check is for and where it goes", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    const change = { id: crypto.randomUUID(), phone: aPhone(), codeMac: secretLike(), ttlSeconds: 300, maxAttempts: 5, hits: [ipHit()] };
    expect((await h.store.startPhoneChange(session.caller, change)).outcome).toBe("started");
    expect(await h.store.claimDelivery(change.id, 1, LEASE)).toEqual({ status: "claimed", channel: "sms", destination: change.phone, purpose: "phone_change", locale: "en" });
  });

  it("gives one claim to 8 parallel consumers; the others are busy", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const claims = await Promise.all(Array.from({ length: 8 }, () => h.racing.claimDelivery(challenge.id, 1, LEASE)));
    expect(claims.filter((c) => c.status === "claimed")).toHaveLength(1);
    expect(claims.filter((c) => c.status === "busy")).toHaveLength(7);
    expect(await h.challenge(challenge.id)).toMatchObject({ deliveryAttempts: 1 });
  });
});
