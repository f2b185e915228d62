// Property: a login retried with its Idempotency-Key (the same challenge id)
// never leaves a challenge that cannot be verified, and never sends a code
// that is not counted. While the first attempt's e-mail or SMS challenge is
// live, the retry's code replaces it as one more send, counted like a resend
// (the per-code counters) but not under the cooldown between new challenges:
// the old code stops working and a job carrying it is stale. At its last send,
// or for a factor that sends nothing, the retry gets the same challenge
// unchanged and nothing is counted or sent. An ended challenge's id, or one
// holding another destination's challenge (the phone changed), is a conflict
// that counts and changes nothing. Parallel starts with one id are serialised:
// one challenge, each later start renewing it, no cooldown refusal.
import { describe, expect, it } from "vitest";
import type { NewChallenge } from "../../functions/core/signin/store";
import { aRecoveryChallenge } from "../support/authenticator";
import { aUser, CHALLENGE, CLIENT, hitOf, ipHit, LOCKOUT, newMacChallenge, newRefresh, proof, secretLike, uniqueKey, verified } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const LEASE = 30;

describe.each(stores)("$name store: a retried start of a challenge", (kind) => {
  const h = useHarness(kind);

  const start = newMacChallenge;
  /** The same challenge id with a new code: what a retried login computes. */
  const retry = <C extends NewChallenge>(c: C) => ({ ...c, check: { kind: "mac" as const, mac: secretLike() } });
  const consume = (id: string, mac: string) => h.store.consumeChallenge(id, proof(mac), { ipHit: ipHit(), refresh: newRefresh(), lockout: LOCKOUT, client: CLIENT });
  /** A code counter and the cooldown between challenges, each this test's own. */
  const counters = () => {
    const [codes, cooldown] = [uniqueKey("codes_account"), uniqueKey("code_cooldown")];
    return { codes, cooldown, hits: [hitOf(codes, 5, 1800)], cooldownHits: [hitOf(cooldown, 1, 60)] };
  };

  it("replaces an unsent code as send 2, counted as a code but not under the cooldown; the old code and its job are dead", async () => {
    const user = await aUser(h.store);
    const k = counters();
    const first = start(user.id, user.email);
    expect(await h.store.createChallenge(first, k.hits, k.cooldownHits)).toEqual({ outcome: "created", send: 1, expiresInSeconds: 300, resendAfterSeconds: 60 });
    await h.elapse(5);
    const second = retry(first);
    expect(await h.store.createChallenge(second, k.hits, k.cooldownHits)).toEqual({ outcome: "renewed", send: 2, expiresInSeconds: 300, resendAfterSeconds: 60 });
    expect([await h.counter(k.codes), await h.counter(k.cooldown)]).toEqual([2, 1]);
    expect(await h.challenge(first.id)).toMatchObject({ sends: 2, attempts: 0, consumed: false, deliveryStatus: "queued" });
    // A job of the first send is stale; the second send is the one delivered.
    expect(await h.store.claimDelivery(first.id, 1, LEASE)).toEqual({ status: "done" });
    expect(await h.store.claimDelivery(first.id, 2, LEASE)).toMatchObject({ status: "claimed", destination: user.email });
    expect(await consume(first.id, first.check.mac)).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await consume(first.id, second.check.mac)).toEqual(verified(user.id));
  });

  it("renews a code already on its way too (a new send, so a claim of the old one ends), and each is counted", async () => {
    const user = await aUser(h.store);
    const k = counters();
    const first = start(user.id, user.email);
    await h.store.createChallenge(first, k.hits, k.cooldownHits);
    expect(await h.store.claimDelivery(first.id, 1, LEASE)).toMatchObject({ status: "claimed" });
    const second = retry(first);
    expect(await h.store.createChallenge(second, k.hits, k.cooldownHits)).toMatchObject({ outcome: "renewed", send: 2 });
    expect(await h.challenge(first.id)).toMatchObject({ sends: 2, deliveryStatus: "queued", claimed: false });
    expect(await h.store.claimDelivery(first.id, 2, LEASE)).toMatchObject({ status: "claimed" });
    expect(await h.counter(k.codes)).toBe(2);
  });

  it("refuses a renewal over the code counters, with the seconds left, and keeps the code", async () => {
    const user = await aUser(h.store);
    const codes = uniqueKey("codes_account");
    const first = start(user.id, user.email);
    await h.store.createChallenge(first, [hitOf(codes, 1, 1800)], []);
    await h.elapse(100);
    expect(await h.store.createChallenge(retry(first), [hitOf(codes, 1, 1800)], [])).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(1700) });
    expect(await h.challenge(first.id)).toMatchObject({ sends: 1 });
    expect(await consume(first.id, first.check.mac)).toEqual(verified(user.id));
  });

  it("replays a challenge that sends nothing (a recovery code): nothing counted", async () => {
    const user = await aUser(h.store);
    const id = await aRecoveryChallenge(h.store, user);
    const k = counters();
    const again: NewChallenge = { id, userId: user.id, factor: "recovery", destination: null, check: { kind: "lookup" }, ...CHALLENGE };
    expect(await h.store.createChallenge(again, k.hits, k.cooldownHits)).toEqual({ outcome: "replayed", send: null, expiresInSeconds: 300, resendAfterSeconds: 60 });
    expect([await h.counter(k.codes), await h.counter(k.cooldown)]).toEqual([null, null]);
  });

  it("replays at the last send: nothing counted, the last code still works", async () => {
    const user = await aUser(h.store);
    const k = counters();
    const first = start(user.id, user.email, { maxSends: 2 });
    await h.store.createChallenge(first, k.hits, k.cooldownHits);
    const second = retry(first);
    expect(await h.store.createChallenge(second, k.hits, k.cooldownHits)).toMatchObject({ outcome: "renewed", send: 2 });
    expect(await h.store.createChallenge(retry(first), k.hits, k.cooldownHits)).toMatchObject({ outcome: "replayed", send: null });
    expect(await h.challenge(first.id)).toMatchObject({ sends: 2 });
    expect(await h.counter(k.codes)).toBe(2);
    expect(await consume(first.id, second.check.mac)).toEqual(verified(user.id));
  });

  it("is a conflict for an ended challenge's id, which stays ended, and counts nothing", async () => {
    const user = await aUser(h.store);
    const k = counters();
    const first = start(user.id, user.email);
    await h.store.createChallenge(first, k.hits, k.cooldownHits);
    expect(await consume(first.id, first.check.mac)).toEqual(verified(user.id));
    await h.elapse(61);
    expect(await h.store.createChallenge(retry(first), k.hits, k.cooldownHits)).toEqual({ outcome: "conflict" });
    expect([await h.counter(k.codes), await h.counter(k.cooldown)]).toEqual([1, 1]);
    expect(await h.challenge(first.id)).toMatchObject({ consumed: true, sends: 1 });
  });

  it("is a conflict when the id holds a challenge to another destination (the phone changed), which is left alone", async () => {
    const user = await aUser(h.store);
    const k = counters();
    const first = start(user.id, "+5511987654321", { factor: "sms" });
    await h.store.createChallenge(first, k.hits, k.cooldownHits);
    expect(await h.store.createChallenge({ ...retry(first), destination: "+5511912345678" }, k.hits, k.cooldownHits)).toEqual({ outcome: "conflict" });
    expect([await h.counter(k.codes), await h.counter(k.cooldown)]).toEqual([1, 1]);
    expect(await h.challenge(first.id)).toMatchObject({ sends: 1, consumed: false });
    expect(await consume(first.id, first.check.mac)).toMatchObject({ outcome: "verified", userId: user.id, factor: "sms" });
  });

  it("serialises 8 parallel starts with one id: one challenge, each later start a counted renewal, no cooldown refusal", async () => {
    const user = await aUser(h.store);
    const k = counters();
    const codes = [hitOf(k.codes, 100, 1800)];
    const first = start(user.id, user.email, { maxSends: 20 });
    const starts = Array.from({ length: 8 }, () => retry(first));
    // All 8 begin while the cooldown's counter is held: each would see no challenge of this id without the lock on the id.
    const outcomes = await h.contended(k.cooldown, 8, () => Promise.all(starts.map((c) => h.racing.createChallenge(c, codes, k.cooldownHits))));
    expect(outcomes.filter((o) => o.outcome === "created")).toHaveLength(1);
    const renewedSends = outcomes.flatMap((o) => (o.outcome === "renewed" ? [o.send!] : []));
    expect(renewedSends.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect([await h.counter(k.codes), await h.counter(k.cooldown)]).toEqual([8, 1]);
    expect(await h.challenge(first.id)).toMatchObject({ sends: 8, consumed: false });
    // The code that works is the last send's.
    const last = starts[outcomes.findIndex((o) => o.outcome === "renewed" && o.send === 8)]!;
    expect(await consume(first.id, last.check.mac)).toEqual(verified(user.id));
  });
});
