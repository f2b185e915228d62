// Property: a TypeScript app gets a working, typed client. The whole flow
// (register → login → verify → me → refresh → logout) runs through
// functions/client (openapi-fetch over the generated types) against the
// worker, every answer also checked against openapi.json; success and error
// bodies come back with the types the document gives them (checked by
// `npm run typecheck` through expectTypeOf).
import { describe, expect, expectTypeOf, it } from "vitest";
import { bearer, createAuthClient, type ErrorCode } from "../../functions/client";
import { randomIp } from "../support/api";
import { checkedFetch } from "../support/contract";
import { currentCode, PASSWORD, uniqueEmail } from "../support/flows";

const wrongOf = (code: string) => (code === "000000" ? "111111" : "000000");

describe("the typed client", () => {
  it("walks register → login → verify → me → refresh → logout, with typed answers and errors", async () => {
    const client = createAuthClient("http://auth.test", { fetch: checkedFetch(), headers: { "cf-connecting-ip": randomIp() } });
    const email = uniqueEmail("client");

    const registered = await client.POST("/auth/register", { body: { email, password: PASSWORD } });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.user).toMatchObject({ email, phone: null });

    const taken = await client.POST("/auth/register", { body: { email, password: PASSWORD } });
    expect(taken.error?.error.code).toBe("email_taken" satisfies ErrorCode<"register">);

    const key = crypto.randomUUID();
    const login = await client.POST("/auth/login", { params: { header: { "Idempotency-Key": key } }, body: { email, password: PASSWORD } });
    expect(login.response.status).toBe(202);
    const challenge = login.data!;
    // The same key again: the same challenge (a client that lost the first answer retries like this).
    const retried = await client.POST("/auth/login", { params: { header: { "Idempotency-Key": key } }, body: { email, password: PASSWORD } });
    expect(retried.data?.challenge_id).toBe(challenge.challenge_id);
    expectTypeOf(challenge.channel).toEqualTypeOf<"email" | "sms" | "totp" | "recovery">();
    expect(challenge.channel).toBe("email");

    const code = await currentCode(email, challenge.challenge_id);
    const wrong = await client.POST("/auth/2fa/verify", { body: { challenge_id: challenge.challenge_id, code: wrongOf(code) } });
    expect(wrong.data).toBeUndefined();
    expect(wrong.error?.error).toMatchObject({ code: "invalid_code" satisfies ErrorCode<"verify">, attempts_remaining: 4 });
    expectTypeOf(wrong.error!.error.attempts_remaining).toEqualTypeOf<number | undefined>();
    expectTypeOf<ErrorCode<"verify">>().toEqualTypeOf<
      "invalid_request" | "invalid_json" | "payload_too_large" | "unsupported_media_type" | "invalid_code" | "challenge_expired" | "rate_limited" | "service_unavailable"
    >();

    const verified = await client.POST("/auth/2fa/verify", { body: { challenge_id: challenge.challenge_id, code } });
    const tokens = verified.data!;
    expectTypeOf(tokens.token_type).toEqualTypeOf<"Bearer">();
    expect(tokens.token_type).toBe("Bearer");

    const me = await client.GET("/auth/me", { headers: bearer(tokens.access_token) });
    expect(me.data?.user.email).toBe(email);
    expectTypeOf(me.data!.user.email_verified_at).toEqualTypeOf<string | null>();
    const anonymous = await client.GET("/auth/me");
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.response.headers.get("www-authenticate")).toMatch(/^Bearer /);

    const refreshed = await client.POST("/auth/token/refresh", { body: { refresh_token: tokens.refresh_token } });
    expect(refreshed.data?.refresh_token).not.toBe(tokens.refresh_token);

    const out = await client.POST("/auth/logout", { body: { refresh_token: refreshed.data!.refresh_token } });
    expect(out.response.status).toBe(204);
    expectTypeOf(out.data).toEqualTypeOf<undefined>();
    const ended = await client.POST("/auth/token/refresh", { body: { refresh_token: refreshed.data!.refresh_token } });
    expect(ended.error?.error.code).toBe("invalid_token" satisfies ErrorCode<"refresh">);
  });
});
