// Property: a password found in a breach is refused at registration, with a
// reason, and only the first five hex characters of its SHA-1 ever leave the
// service (k-anonymity), as the fake range server sees. A slow or down API
// does not block registration: it fails open and logs a warning.
import { env } from "cloudflare:test";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { uniqueEmail } from "../support/flows";

afterEach(() => vi.restoreAllMocks());

type Seen = { prefix: string; url: string; mode: string };
const seen = async (): Promise<Seen[]> => (await (await fetch(`${env.TEST_FAKE_PROVIDERS_URL}/hibp-requests`)).json()) as Seen[];

describe("breached passwords", () => {
  it("are refused at registration with the reason, and only a 5-character prefix is sent", async () => {
    const before = (await seen()).length;
    const response = await api("POST", "/auth/register", { body: { email: uniqueEmail(), password: "senha123" } });
    expectError(response, "invalid_request");
    expect(response.body.error.details).toEqual([{ field: "password", message: expect.stringContaining("breach") }]);
    const sha1 = createHash("sha1").update("senha123").digest("hex").toUpperCase();
    const requests = (await seen()).slice(before).filter((r) => r.prefix === sha1.slice(0, 5));
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe(`/hibp/range/${sha1.slice(0, 5)}`);
    expect(JSON.stringify(requests)).not.toContain(sha1.slice(5));
  });

  it("let a good password through", async () => {
    expect((await api("POST", "/auth/register", { body: { email: uniqueEmail(), password: "a passphrase nobody has used" } })).status).toBe(201);
  });

  it.each(["hibp-slow", "hibp-down"])("fail open when the API is %s: registration works and a warning is logged", async (path) => {
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    const started = Date.now();
    const response = await apiWith({ HIBP_API_URL: `${env.TEST_FAKE_PROVIDERS_URL}/${path}` }, "POST", "/auth/register", {
      body: { email: uniqueEmail(), password: "senha123" },
    });
    expect(response.status).toBe(201);
    // Bounded by the 1 s timeout (the slow fake never answers), with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(2_900);
    expect(warnings.some((l) => l.includes("breach_check_unavailable"))).toBe(true);
  });

  it("are not checked with HIBP_API_URL=off", async () => {
    const before = (await seen()).length;
    const response = await apiWith({ HIBP_API_URL: "off" }, "POST", "/auth/register", { body: { email: uniqueEmail(), password: "senha123" } });
    expect(response.status).toBe(201);
    expect((await seen()).length).toBe(before);
  });
});
