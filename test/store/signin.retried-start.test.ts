// Property: a login retried with its Idempotency-Key (the same challenge id)
// never leaves a challenge that cannot be verified while its code is counted.
// While the first attempt's challenge is live and its code was never claimed
// for delivery, the retry's code replaces it as one more send, counting nothing
// again: the old code stops working and a job carrying it is stale. Once the
// code was claimed (on its way or sent), or when the factor sends nothing, the
// retry gets the same challenge unchanged and nothing is sent. An ended
// challenge's id, or one of another account or channel, is a conflict that
// counts and changes nothing. Parallel starts with one id leave one challenge.
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

  it("replaces a code never claimed for delivery, as send 2, counting nothing again; the old code and its job are dead", async () => {
    const user = await aUser(h.store);
    const cooldown = uniqueKey("code_cooldown");
    const first = start(user.id, user.email);
    expect(await h.store.createChallenge(first, [hitOf(cooldown, 1, 60)])).toEqual({ outcome: "created", send: 1, expiresInSeconds: 300, resendAfterSeconds: 60 });
    await h.elapse(5);
    const second = retry(first);
    expect(await h.store.createChallenge(second, [hitOf(cooldown, 1, 60)])).toEqual({ outcome: "renewed", send: 2, expiresInSeconds: 300, resendAfterSeconds: 60 });
    expect(await h.counter(cooldown)).toBe(1);
    expect(await h.challenge(first.id)).toMatchObject({ sends: 2, attempts: 0, consumed: false, deliveryStatus: "queued" });
    // A job of the first send is stale; the second send is the one delivered.
    expect(await h.store.claimDelivery(first.id, 1, LEASE)).toEqual({ status: "done" });
    expect(await h.store.claimDelivery(first.id, 2, LEASE)).toMatchObject({ status: "claimed", destination: user.email });
    expect(await consume(first.id, first.check.mac)).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await consume(first.id, second.check.mac)).toEqual(verified(user.id));
  });

  it("replays a challenge whose code is on its way: nothing changes, nothing is counted, the first code works", async () => {
    const user = await aUser(h.store);
    const cooldown = uniqueKey("code_cooldown");
    const first = start(user.id, user.email);
    await h.store.createChallenge(first, [hitOf(cooldown, 1, 60)]);
    expect(await h.store.claimDelivery(first.id, 1, LEASE)).toMatchObject({ status: "claimed" });
    await h.elapse(20);
    expect(await h.store.createChallenge(retry(first), [hitOf(cooldown, 1, 60)])).toEqual({ outcome: "replayed", send: null, expiresInSeconds: 280, resendAfterSeconds: 40 });
    expect(await h.counter(cooldown)).toBe(1);
    expect(await h.challenge(first.id)).toMatchObject({ sends: 1, deliveryStatus: "sending" });
    expect(await consume(first.id, first.check.mac)).toEqual(verified(user.id));
  });

  it("replays a challenge that sends nothing (a recovery code)", async () => {
    const user = await aUser(h.store);
    const id = await aRecoveryChallenge(h.store, user);
    const again: NewChallenge = { id, userId: user.id, factor: "recovery", destination: null, check: { kind: "lookup" }, ...CHALLENGE };
    expect(await h.store.createChallenge(again, [])).toEqual({ outcome: "replayed", send: null, expiresInSeconds: 300, resendAfterSeconds: 60 });
  });

  it(`stops replacing at ${CHALLENGE.maxSends} sends: then it replays`, async () => {
    const user = await aUser(h.store);
    const first = start(user.id, user.email, { maxSends: 2 });
    await h.store.createChallenge(first, []);
    expect(await h.store.createChallenge(retry(first), [])).toMatchObject({ outcome: "renewed", send: 2 });
    expect(await h.store.createChallenge(retry(first), [])).toMatchObject({ outcome: "replayed", send: null });
    expect(await h.challenge(first.id)).toMatchObject({ sends: 2 });
  });

  it("is a conflict for an ended challenge's id, which stays ended, and counts nothing", async () => {
    const user = await aUser(h.store);
    const key = uniqueKey("codes_account");
    const first = start(user.id, user.email);
    await h.store.createChallenge(first, [hitOf(key, 10)]);
    expect(await consume(first.id, first.check.mac)).toEqual(verified(user.id));
    expect(await h.store.createChallenge(retry(first), [hitOf(key, 10)])).toEqual({ outcome: "conflict" });
    expect(await h.counter(key)).toBe(1);
    expect(await h.challenge(first.id)).toMatchObject({ consumed: true, sends: 1 });
  });

  it("is a conflict for another account's or another channel's challenge of that id", async () => {
    const [owner, other] = [await aUser(h.store), await aUser(h.store)];
    const first = start(owner.id, owner.email);
    await h.store.createChallenge(first, []);
    expect(await h.store.createChallenge({ ...retry(first), userId: other.id, destination: other.email }, [])).toEqual({ outcome: "conflict" });
    expect(await h.store.createChallenge({ ...retry(first), factor: "sms", destination: "+5511987654321" }, [])).toEqual({ outcome: "conflict" });
    expect(await h.challenge(first.id)).toMatchObject({ sends: 1, consumed: false });
    expect(await consume(first.id, first.check.mac)).toEqual(verified(owner.id));
  });

  it("leaves one challenge for 8 parallel starts with one id, its sends one per start that replaced the code", async () => {
    const user = await aUser(h.store);
    const first = start(user.id, user.email, { maxSends: 20 });
    const starts = Array.from({ length: 8 }, () => retry(first));
    const outcomes = await Promise.all(starts.map((c) => h.racing.createChallenge(c, [])));
    const created = outcomes.filter((o) => o.outcome === "created").length;
    const renewed = outcomes.filter((o) => o.outcome === "renewed");
    expect(created).toBe(1);
    // Racing the insert, a start that did not see the new row yet is a conflict; none is lost or doubled.
    expect(created + renewed.length + outcomes.filter((o) => o.outcome === "conflict").length).toBe(8);
    const sends = 1 + renewed.length;
    expect(await h.challenge(first.id)).toMatchObject({ sends, consumed: false });
    // The code that counts is the last send's: the start whose send is the highest.
    const last = renewed.length ? starts[outcomes.findIndex((o) => o.outcome === "renewed" && o.send === sends)]! : starts[outcomes.findIndex((o) => o.outcome === "created")]!;
    expect(await consume(first.id, last.check.mac)).toEqual(verified(user.id));
  });
});
