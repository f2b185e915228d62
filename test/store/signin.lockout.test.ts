// Property: consecutive wrong codes on an account, across its challenges, make
// it wait before its next sign-in: from `waitAfter` failures on, a wait that
// doubles every `waitAfter` more, up to `maxWaitSeconds`; at `lockAfter` the
// account locks and every live challenge of it is gone, even for the right code.
// A right code ends the streak and the wait. Only login reads the wait (and only
// with the right password, in the core); the store reports it in seconds left.
import { describe, expect, it } from "vitest";
import type { LockoutPolicy } from "../../functions/core/config";
import { aChallenge, aUser, CLIENT, hitOf, ipHit, LOCKOUT, newRefresh, proof, renewLimits, secretLike, uniqueKey, verified } from "../support/store-contract";
import { aPendingAuthenticator } from "../support/authenticator";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: growing waits and the lock", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, mac: string, lockout: LockoutPolicy = LOCKOUT) =>
    h.store.consumeChallenge(id, proof(mac), { ipHit: ipHit(), refresh: newRefresh(), lockout, client: CLIENT });
  const lookup = async (email: string) => (await h.store.findUserForLogin(email, [hitOf(uniqueKey("login_account"), 1_000)])).user;

  it("waits from the second failure, doubling every two, capped at 25 s, and locks at the seventh", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user, { maxAttempts: 20 });
    const waits: number[] = [];
    for (let failures = 1; failures <= 6; failures++) {
      await consume(challenge.id, secretLike());
      waits.push((await lookup(user.email))!.waitSeconds);
    }
    expect(waits).toEqual([0, 10, 10, 20, 20, 25].map((s) => h.seconds(s)));
    expect(await lookup(user.email)).toMatchObject({ locked: false });
    expect(await consume(challenge.id, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: 13 });
    expect(await lookup(user.email)).toMatchObject({ locked: true });
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 7, locked: true });
  });

  it("applies the production policy: 30 s after 5, doubling every 5, capped at an hour, locked at 100", async () => {
    const policy: LockoutPolicy = { waitAfter: 5, baseWaitSeconds: 30, maxWaitSeconds: 3_600, lockAfter: 100 };
    const user = await aUser(h.store);
    const waits: number[] = [];
    for (let round = 0; round < 20; round++) {
      // A fresh challenge per five: the streak belongs to the account, not to a challenge.
      const challenge = await aChallenge(h.store, user);
      for (let i = 0; i < 5; i++) await consume(challenge.id, secretLike(), policy);
      const seen = (await lookup(user.email))!;
      waits.push(seen.waitSeconds);
      expect(seen.locked, `after ${5 * (round + 1)} failures`).toBe(round === 19);
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1_920, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600, 3_600].map((s) => h.seconds(s)));
  });

  it("keeps waiting the maximum however long the streak grows (a streak of 200 is no error)", async () => {
    // Under the production policy the doubled wait passes 2^31 seconds after ~140 failures.
    const policy: LockoutPolicy = { waitAfter: 5, baseWaitSeconds: 30, maxWaitSeconds: 3_600, lockAfter: 1_000 };
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user, { maxAttempts: 250 });
    for (let failures = 1; failures <= 200; failures++) {
      expect(await consume(challenge.id, secretLike(), policy), `failure ${failures}`).toMatchObject({ outcome: "wrong_code" });
    }
    expect(await lookup(user.email)).toMatchObject({ locked: false, waitSeconds: h.seconds(3_600) });
    // The other path that counts the streak, a failed authenticator confirmation, as well.
    const auth = await aPendingAuthenticator(h.store);
    for (let failures = 1; failures <= 200; failures++) await h.store.failTotpConfirmation(auth.user.id, auth.factorId, 1_000, policy);
    expect(await h.user(auth.user.id)).toEqual({ failedOtpCount: 200, locked: false });
    expect(await lookup(auth.user.email)).toMatchObject({ waitSeconds: h.seconds(3_600) });
  });

  it("counts the wait down with time", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    for (let i = 0; i < 2; i++) await consume(challenge.id, secretLike());
    expect((await lookup(user.email))!.waitSeconds).toEqual(h.seconds(10));
    await h.elapse(4);
    expect((await lookup(user.email))!.waitSeconds).toEqual(h.seconds(6));
    await h.elapse(6);
    expect((await lookup(user.email))!.waitSeconds).toBe(0);
  });

  it("ends the streak and the wait on a right code", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    for (let i = 0; i < 3; i++) await consume(challenge.id, secretLike());
    expect(await lookup(user.email)).toMatchObject({ waitSeconds: h.seconds(10) });
    expect(await consume(challenge.id, challenge.mac)).toEqual(verified(user.id));
    expect(await lookup(user.email)).toMatchObject({ waitSeconds: 0, locked: false });
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 0, locked: false });
    const next = await aChallenge(h.store, user);
    await consume(next.id, secretLike());
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 1, locked: false });
  });

  it("makes every live challenge of a locked account gone, for verify and resend alike", async () => {
    const user = await aUser(h.store);
    const [spent, other] = [await aChallenge(h.store, user, { maxAttempts: 20 }), await aChallenge(h.store, user)];
    for (let i = 0; i < LOCKOUT.lockAfter; i++) await consume(spent.id, secretLike());
    expect(await h.user(user.id)).toMatchObject({ locked: true });
    expect(await consume(spent.id, spent.mac)).toEqual({ outcome: "gone" });
    expect(await consume(other.id, other.mac)).toEqual({ outcome: "gone" });
    await h.elapse(60);
    expect(await h.store.renewChallenge(other.id, secretLike(), renewLimits())).toEqual({ outcome: "gone" });
    // Nothing a locked account does moves its streak.
    expect(await h.user(user.id)).toEqual({ failedOtpCount: LOCKOUT.lockAfter, locked: true });
  });

  it("reads an account for login with its password hash, and none for an unknown e-mail", async () => {
    const user = await aUser(h.store, { phone: "+5511912345678" });
    expect(await lookup(user.email)).toEqual({ ...user, locked: false, waitSeconds: 0, totp: null, recoveryRemaining: 0 });
    expect(await lookup(`ghost-${crypto.randomUUID()}@example.test`)).toBeNull();
  });
});
