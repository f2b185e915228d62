// Property: what is logged or reported of an unexpected error is its class and
// SQLSTATE, never its message: drizzle puts a failed query's parameters there.
// And per-IP limits count an IPv6 client by its /64, so one subscriber cannot
// rotate through its 2^64 addresses.
import { describe, expect, it } from "vitest";
import { ipv6Prefix } from "../../functions/http/app";
import { describeError, parseDsn } from "../../functions/monitoring";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, uniqueEmail } from "../support/flows";

describe("error descriptions", () => {
  it("keep the class and SQLSTATE and drop the message with its parameters", () => {
    const cause = Object.assign(new Error("duplicate key"), { code: "23505" });
    const error = Object.assign(new Error('Failed query: insert into "users"\nparams: jane@example.com,pbkdf2-sha256$100000$salt$hash'), {
      name: "DrizzleQueryError",
      cause,
    });
    const text = describeError(error);
    expect(text).toBe("DrizzleQueryError (SQLSTATE 23505)");
    expect(describeError(new TypeError("secret in message"))).toBe("TypeError");
  });
});

describe("IPv6 clients", () => {
  it("are counted per /64", async () => {
    expect(ipv6Prefix("2001:db8:abcd:12:1:2:3:4")).toBe("2001:db8:abcd:12::/64");
    expect(ipv6Prefix("2001:DB8::1")).toBe("2001:db8:0:0::/64");
    expect(ipv6Prefix("::1")).toBe("0:0:0:0::/64");

    const subnet = `2001:db8:${crypto.getRandomValues(new Uint16Array(1))[0]!.toString(16)}:7`;
    const login = (i: number) =>
      api("POST", "/auth/login", { headers: { "cf-connecting-ip": `${subnet}::${(i + 1).toString(16)}` }, body: { email: uniqueEmail(), password: PASSWORD } });
    // Thirty addresses of the subnet, ten at a time, then a thirty-first.
    const responses = [];
    for (let wave = 0; wave < 3; wave++) responses.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => login(wave * 10 + i)))));
    responses.push(await login(30));
    expect(responses.slice(0, 30).every((r) => r.status === 401)).toBe(true);
    expectError(responses[30]!, "rate_limited");
  });
});

describe("Sentry DSNs", () => {
  it("map to the project's envelope endpoint, and a malformed one turns reporting off", () => {
    expect(parseDsn("https://abc123@o1.ingest.sentry.io/4507")).toEqual({ url: "https://o1.ingest.sentry.io/api/4507/envelope/", publicKey: "abc123" });
    expect(parseDsn("http://key@127.0.0.1:9000/sub/42")).toEqual({ url: "http://127.0.0.1:9000/sub/api/42/envelope/", publicKey: "key" });
    expect(parseDsn("not a dsn")).toBeNull();
    expect(parseDsn("https://o1.ingest.sentry.io/4507")).toBeNull();
  });
});
