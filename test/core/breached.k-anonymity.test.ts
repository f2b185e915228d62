// Property: the breached-password check finds a breached password with its
// count and passes a good one, while only the first 5 hex characters of the
// password's SHA-1 ever leave the service (no suffix, no password), with
// padding asked for; a slow, down or unreachable API, or an answer that is not
// in the range format, is `unavailable` within the timeout, never "safe".
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BREACH_TIMEOUT_MS, DEFAULT_HIBP_API_URL, isBreached } from "../../functions/core/account/breached";
import { HIBP_BREACHED, startFakeProviders } from "../support/fake-providers.mjs";

const GOOD = "correct horse battery staple";
const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex").toUpperCase();

let fake: Awaited<ReturnType<typeof startFakeProviders>>;
beforeAll(async () => {
  fake = await startFakeProviders();
});
afterAll(() => fake.close());

interface Recorded {
  url: string;
  prefix: string;
  mode: string;
  headers: Record<string, string>;
  body: string;
}

/** What the fake HIBP recorded, read back through its HTTP endpoint like the other recordings. */
async function recorded(): Promise<Recorded[]> {
  return (await (await fetch(`${fake.url}/hibp-requests`)).json()) as Recorded[];
}

/** Runs `check` and returns what the fake HIBP received meanwhile. */
async function requestsDuring<T>(check: () => Promise<T>): Promise<{ result: T; requests: Recorded[] }> {
  const before = (await recorded()).length;
  const result = await check();
  return { result, requests: (await recorded()).slice(before) };
}

/** A fetch that answers `body` with `status`, to reach cases the fake server does not play. */
const answering = (body: string, status = 200): typeof fetch => async () => new Response(body, { status });

describe("lookups", () => {
  it("find every breached password the fake knows, with its count", async () => {
    expect(HIBP_BREACHED.length).toBeGreaterThanOrEqual(3);
    for (const { password, sha1: hash, count } of HIBP_BREACHED) {
      // The fake's data is the real SHA-1 of each password.
      expect(hash).toBe(sha1(password));
      expect(await isBreached(password, { apiUrl: `${fake.url}/hibp`, minCount: 1 }), password).toEqual({ breached: true, count });
    }
  });

  it("pass a password that is not in the corpus", async () => {
    expect(HIBP_BREACHED.map((b) => b.password)).not.toContain(GOOD);
    expect(await isBreached(GOOD, { apiUrl: `${fake.url}/hibp`, minCount: 1 })).toEqual({ breached: false, count: 0 });
  });

  it("call a password breached only from minCount sightings, and report the count either way", async () => {
    const { password, count } = HIBP_BREACHED.find((b) => b.password === "senha123")!;
    expect(await isBreached(password, { apiUrl: `${fake.url}/hibp`, minCount: count })).toEqual({ breached: true, count });
    expect(await isBreached(password, { apiUrl: `${fake.url}/hibp`, minCount: count + 1 })).toEqual({ breached: false, count });
  });

  it("compare suffixes case-insensitively and accept LF as well as CRLF", async () => {
    const real = fetch;
    const lowercased: typeof fetch = async (input, init) => {
      const response = await real(input, init);
      return new Response((await response.text()).toLowerCase().replaceAll("\r\n", "\n"), { status: response.status });
    };
    expect(await isBreached("password123", { apiUrl: `${fake.url}/hibp`, minCount: 1, fetch: lowercased })).toEqual({ breached: true, count: 2_460_000 });
  });

  it("never count a padding entry (count 0) as a sighting, whatever minCount says", async () => {
    const suffix = sha1(GOOD).slice(5);
    const padded = answering(`0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n${suffix}:0\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2`);
    expect(await isBreached(GOOD, { apiUrl: "http://unused", minCount: 0, fetch: padded })).toEqual({ breached: false, count: 0 });
  });

  it("default to the public API", () => {
    expect(DEFAULT_HIBP_API_URL).toBe("https://api.pwnedpasswords.com");
  });
});

describe("k-anonymity", () => {
  it("sends only the 5-character SHA-1 prefix, asks for padding and names itself", async () => {
    for (const password of [GOOD, "password123", "Senha-Forte-Com-Acentuação-é-ótima!"]) {
      const hash = sha1(password);
      const prefix = hash.slice(0, 5);
      const { requests } = await requestsDuring(() => isBreached(password, { apiUrl: `${fake.url}/hibp/`, minCount: 1 }));
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request!.url).toBe(`/hibp/range/${prefix}`);
      expect(request!.prefix).toHaveLength(5);
      expect(request!.body).toBe("");
      expect(request!.headers["add-padding"]).toBe("true");
      expect(request!.headers["user-agent"]).toMatch(/innovation-ia-auth/);
      // Nothing else of the hash or the password, in any case or encoding, anywhere in the request.
      const everything = JSON.stringify(request).toUpperCase();
      const rest = hash.slice(5);
      for (const secret of [rest, rest.slice(0, 8), rest.slice(-8), hash, password.toUpperCase(), encodeURIComponent(password).toUpperCase()]) {
        expect(everything, password).not.toContain(secret);
      }
    }
  });

  it("gets a padded answer of 800 to 1,000 lines in the range format", async () => {
    const response = await fetch(`${fake.url}/hibp/range/${sha1(GOOD).slice(0, 5)}`, { headers: { "add-padding": "true" } });
    const lines = (await response.text()).split("\r\n");
    expect(lines.length).toBeGreaterThanOrEqual(800);
    expect(lines.length).toBeLessThanOrEqual(1000);
    for (const line of lines) expect(line).toMatch(/^[0-9A-F]{35}:\d+$/);
    expect(lines.filter((line) => line.endsWith(":0")).length).toBeGreaterThan(0);
  });
});

describe("failures are unavailable, not safe", () => {
  it("gives up on a slow API within the timeout", async () => {
    const started = Date.now();
    const { result, requests } = await requestsDuring(() => isBreached("password123", { apiUrl: `${fake.url}/hibp-slow`, minCount: 1, timeoutMs: 200 }));
    const elapsed = Date.now() - started;
    expect(result).toEqual({ unavailable: true, reason: "HIBP gave no answer within 200 ms" });
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1_500);
    expect(requests.map((r) => r.mode)).toEqual(["slow"]);
  });

  it("waits 1 s by default, not for an answer that never comes", async () => {
    expect(DEFAULT_BREACH_TIMEOUT_MS).toBe(1_000);
    const started = Date.now();
    const result = await isBreached(GOOD, { apiUrl: `${fake.url}/hibp-slow`, minCount: 1 });
    expect(result).toEqual({ unavailable: true, reason: "HIBP gave no answer within 1000 ms" });
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("reports a down API", async () => {
    expect(await isBreached("password123", { apiUrl: `${fake.url}/hibp-down`, minCount: 1 })).toEqual({ unavailable: true, reason: "HIBP answered HTTP 503" });
  });

  it("reports an unreachable API", async () => {
    const closed = await startFakeProviders();
    const apiUrl = `${closed.url}/hibp`;
    await closed.close();
    const result = await isBreached(GOOD, { apiUrl, minCount: 1 });
    expect(result).toMatchObject({ unavailable: true, reason: expect.stringMatching(/^HIBP unreachable: /) });
  });

  it("reports any other status, and a 200 that is not a range answer", async () => {
    expect(await isBreached(GOOD, { apiUrl: "http://unused", minCount: 1, fetch: answering("slow down", 429) })).toEqual({ unavailable: true, reason: "HIBP answered HTTP 429" });
    const portal = answering("<html><body>Sign in to the Wi-Fi</body></html>");
    expect(await isBreached(GOOD, { apiUrl: "http://unused", minCount: 1, fetch: portal })).toEqual({ unavailable: true, reason: "HIBP answer is not in the range format" });
  });
});
