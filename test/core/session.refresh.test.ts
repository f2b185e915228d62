// Property: after sign-in, a refresh token rotates (a new pair; the old token
// dies), a retry within the grace gets the same new refresh token, a replayed
// token past it is refused and revokes its family (the thief's newer token dies
// with it), logout revokes from any token of the family and always
// answers the same, and /auth/me knows the account only from a valid access
// token. Anything not shaped like our token is refused before the store is asked.
import { describe, expect, it } from "vitest";
import { register } from "../../functions/core/account/register";
import { logout, refresh } from "../../functions/core/session/session";
import { login } from "../../functions/core/signin/login";
import { verify } from "../../functions/core/signin/verify";
import { coreWorld, countingStore, expectAuthError, isoAt, me, NOW, type CoreWorld } from "../support/core";

async function signIn(world: CoreWorld) {
  const user = await register(world.deps, { email: `user-${crypto.randomUUID()}@example.test`, password: "correct horse battery staple" });
  const view = await login(world.deps, { email: user.email, password: "correct horse battery staple", channel: "email" });
  return { user, tokens: await verify(world.deps, { challengeId: view.challenge_id, code: await world.queuedCode() }) };
}

describe("refresh", () => {
  it("rotates: a new pair for the same account, with the family's remaining lifetime", async () => {
    const world = coreWorld();
    const { user, tokens } = await signIn(world);
    world.advance(3_600);
    const next = await refresh(world.deps, { refreshToken: tokens.refresh_token });
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.refresh_token.split(".")[0]).toBe(tokens.refresh_token.split(".")[0]);
    expect(next.refresh_expires_in).toBe(world.config.refreshTtlSeconds - 3_600);
    expect(await me(world.deps, next.access_token)).toMatchObject({ id: user.id });
    expect((await refresh(world.deps, { refreshToken: next.refresh_token })).token_type).toBe("Bearer");
  });

  it("refuses a replayed token, logs the reuse, and kills the newer token with it", async () => {
    const world = coreWorld();
    const { tokens } = await signIn(world);
    const next = await refresh(world.deps, { refreshToken: tokens.refresh_token });
    // Past the retry grace: a replay, not a retry.
    world.advance(world.config.refreshRetryGraceSeconds);
    await expectAuthError(refresh(world.deps, { refreshToken: tokens.refresh_token }), "invalid_token");
    expect(world.logs.find((l) => l.msg === "refresh_token_reuse")).toMatchObject({ level: "warn", fields: { user_family_revoked: true } });
    await expectAuthError(refresh(world.deps, { refreshToken: next.refresh_token }), "invalid_token");
  });

  it("answers a retry within the grace with the same new refresh token, and a fresh access token", async () => {
    const world = coreWorld();
    const { tokens } = await signIn(world);
    const next = await refresh(world.deps, { refreshToken: tokens.refresh_token });
    world.advance(world.config.refreshRetryGraceSeconds - 1);
    const again = await refresh(world.deps, { refreshToken: tokens.refresh_token });
    expect(again.refresh_token).toBe(next.refresh_token);
    expect(again.access_token).not.toBe(next.access_token);
    expect(world.logs.some((l) => l.msg === "refresh_token_reuse")).toBe(false);
    expect((await refresh(world.deps, { refreshToken: next.refresh_token })).token_type).toBe("Bearer");
  });

  it("refuses an expired family without calling it reuse", async () => {
    const world = coreWorld();
    const { tokens } = await signIn(world);
    world.advance(world.config.refreshTtlSeconds);
    await expectAuthError(refresh(world.deps, { refreshToken: tokens.refresh_token }), "invalid_token");
    expect(world.logs.some((l) => l.msg === "refresh_token_reuse")).toBe(false);
  });

  it("refuses malformed tokens and access tokens before asking the store", async () => {
    const world = coreWorld();
    const { tokens } = await signIn(world);
    const counting = countingStore(world.store);
    const deps = { ...world.deps, store: counting.store };
    for (const token of ["garbage", tokens.access_token, `${crypto.randomUUID()}.short`, `not-a-uuid.${"A".repeat(43)}`, `${tokens.refresh_token}.extra`]) {
      await expectAuthError(refresh(deps, { refreshToken: token }), "invalid_token");
      await expectAuthError(logout(deps, { refreshToken: token }), "invalid_token");
    }
    expect(counting.calls.size).toBe(0);
    await expectAuthError(refresh(deps, { refreshToken: `${crypto.randomUUID()}.${"A".repeat(43)}` }), "invalid_token");
    expect(counting.calls.get("rotateRefresh")).toBe(1);
  });
});

describe("logout", () => {
  it("revokes the family from any of its tokens, and answers the same every time", async () => {
    const world = coreWorld();
    const { tokens } = await signIn(world);
    const thief = await refresh(world.deps, { refreshToken: tokens.refresh_token });
    await expect(logout(world.deps, { refreshToken: tokens.refresh_token })).resolves.toBeUndefined();
    await expect(logout(world.deps, { refreshToken: tokens.refresh_token })).resolves.toBeUndefined();
    await expectAuthError(refresh(world.deps, { refreshToken: thief.refresh_token }), "invalid_token");
    await expect(logout(world.deps, { refreshToken: `${crypto.randomUUID()}.${"A".repeat(43)}` })).resolves.toBeUndefined();
  });
});

describe("me", () => {
  it("returns the account of a valid access token, and refuses the rest", async () => {
    const world = coreWorld();
    const { user, tokens } = await signIn(world);
    // The e-mail code proved the address, at the sign-in.
    expect(await me(world.deps, tokens.access_token)).toEqual({
      id: user.id,
      email: user.email,
      phone: null,
      locale: "en",
      email_verified_at: isoAt(NOW),
      phone_verified_at: null,
      created_at: isoAt(NOW),
    });
    await expectAuthError(me(world.deps, undefined), "invalid_token");
    await expectAuthError(me(world.deps, tokens.refresh_token), "invalid_token");
    await expectAuthError(me(world.deps, "not.a.jwt"), "invalid_token");
    world.tables.users.delete(user.id);
    await expectAuthError(me(world.deps, tokens.access_token), "invalid_token");
  });
});
