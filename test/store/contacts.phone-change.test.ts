// Property: a number becomes the account's only through the code sent to it,
// on the caller's live session. Starting counts the account's and the number's
// counters (over them: rate_limited, and nothing stored or replaced) and
// replaces any pending change, so only the latest code confirms; a wrong code
// costs an attempt; the right one sets the number, proves it and logs
// phone_changed; a change that is confirmed, spent, expired or replaced leaves
// nothing pending. A dead session is told so, and counts nothing.
import { describe, expect, it } from "vitest";
import type { RateHit } from "../../functions/core/limits";
import type { Session } from "../support/store-contract";
import { aPhone, aSession, aUser, CLIENT, hitOf, secretLike, uniqueKey } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const TTL = 300;
const MAX = 5;

describe.each(stores)("$name store: phone change", (kind) => {
  const h = useHarness(kind);

  const start = async (session: Session, options: { phone?: string; hits?: RateHit[] } = {}) => {
    const change = { id: crypto.randomUUID(), phone: options.phone ?? aPhone(), codeMac: secretLike(), ttlSeconds: TTL, maxAttempts: MAX, hits: options.hits ?? [hitOf(uniqueKey("codes_account"), 1_000)] };
    return { change, started: await h.store.startPhoneChange(session.caller, change) };
  };
  const confirm = (session: Session, mac: string) => h.store.confirmPhoneChange(session.caller, mac, CLIENT);

  it("sets and proves the number on the right code, after wrong ones cost attempts, and logs it", async () => {
    const user = await aUser(h.store, { locale: "pt-BR", phone: aPhone() });
    const session = await aSession(h.store, user);
    const { change, started } = await start(session);
    expect(started).toEqual({ outcome: "started", locale: "pt-BR" });
    expect(await h.account(user.id)).toMatchObject({ phone: user.phone, phoneVerified: false });
    expect(await confirm(session, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await confirm(session, change.codeMac)).toEqual({ outcome: "confirmed", phone: change.phone });
    expect(await h.account(user.id)).toMatchObject({ phone: change.phone, phoneVerified: true });
    expect(await confirm(session, change.codeMac)).toEqual({ outcome: "nothing_pending" });
    expect((await h.events(user.id)).slice(1)).toEqual([{ type: "phone_changed", factor: null, ...CLIENT }]);
  });

  it("confirms only the latest change: a new request replaces the pending one", async () => {
    const session = await aSession(h.store, await aUser(h.store));
    const first = await start(session);
    const second = await start(session);
    expect(await confirm(session, first.change.codeMac)).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await confirm(session, second.change.codeMac)).toEqual({ outcome: "confirmed", phone: second.change.phone });
    expect(await h.challenges([first.change.id, second.change.id])).toEqual([
      expect.objectContaining({ consumed: true, attempts: 0 }),
      expect.objectContaining({ consumed: true, attempts: 1 }),
    ]);
  });

  it("refuses over the account's or the number's limit, storing and replacing nothing", async () => {
    const session = await aSession(h.store, await aUser(h.store));
    const [account, number] = [uniqueKey("codes_account"), uniqueKey("sms_number")];
    const hits = [hitOf(account, 5, 600), hitOf(number, 1, 600)];
    const first = await start(session, { hits });
    await h.elapse(100);
    expect((await start(session, { hits })).started).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(500) });
    expect([await h.counter(account), await h.counter(number)]).toEqual([2, 2]);
    expect(await confirm(session, first.change.codeMac)).toEqual({ outcome: "confirmed", phone: first.change.phone });
  });

  it("leaves nothing pending once a change is spent or expired", async () => {
    const session = await aSession(h.store, await aUser(h.store));
    const spent = await start(session);
    for (let left = MAX - 1; left >= 0; left--) expect(await confirm(session, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: left });
    expect(await confirm(session, spent.change.codeMac)).toEqual({ outcome: "nothing_pending" });
    const expiring = await start(session);
    await h.elapse(TTL);
    expect(await confirm(session, expiring.change.codeMac)).toEqual({ outcome: "nothing_pending" });
    // No attempt was counted on the expired change.
    expect(await h.challenge(expiring.change.id)).toMatchObject({ attempts: 0, consumed: false });
  });

  it("tells a dead session so, counting and storing nothing", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    const pending = await start(session);
    await h.store.revokeRefresh(session.id, CLIENT);
    const key = uniqueKey("codes_account");
    const dead = await start(session, { hits: [hitOf(key, 10)] });
    expect(dead.started).toEqual({ outcome: "dead_caller" });
    expect(await h.counter(key)).toBeNull();
    expect(await h.challenge(dead.change.id)).toBeNull();
    expect(await confirm(session, pending.change.codeMac)).toEqual({ outcome: "dead_caller" });
    expect(await h.challenge(pending.change.id)).toMatchObject({ consumed: false, attempts: 0 });
  });

  it("needs at least one counter: the statement names them", async () => {
    const session = await aSession(h.store, await aUser(h.store));
    await expect(start(session, { hits: [] })).rejects.toThrow();
  });
});
