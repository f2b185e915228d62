// Property: malformed, oversized or hostile input gets a clear 4xx JSON error,
// never a 500, never HTML, never a stack trace.
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../functions/http/body";
import { api } from "../support/api";
import { expectError } from "../support/expect";

const JSON_ROUTES = ["/auth/register", "/auth/login", "/auth/2fa/verify", "/auth/2fa/resend"];

describe.each(JSON_ROUTES)("POST %s", (path) => {
  it("gives 415 unsupported_media_type for a non-JSON content type", async () => {
    expectError(await api("POST", path, { raw: "email=a@b.c", contentType: "application/x-www-form-urlencoded" }), "unsupported_media_type");
    expectError(await api("POST", path, { raw: "{}", contentType: null }), "unsupported_media_type");
  });

  it("gives 400 invalid_json for a body that is not JSON", async () => {
    expectError(await api("POST", path, { raw: "{\"email\": " }), "invalid_json");
    expectError(await api("POST", path, { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), "invalid_json");
  });

  it("gives 400 invalid_request for JSON that is not an object", async () => {
    for (const raw of ["null", "[]", "\"text\"", "42"]) expectError(await api("POST", path, { raw }), "invalid_request");
  });

  it("gives 413 payload_too_large for a body over the cap, with or without Content-Length", async () => {
    const big = JSON.stringify({ email: "a@b.c", password: "x".repeat(MAX_BODY_BYTES) });
    expectError(await api("POST", path, { raw: big }), "payload_too_large");
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(1024)));
        controller.close();
      },
    });
    expectError(await api("POST", path, { raw: stream }), "payload_too_large");
  });
});

describe("routing", () => {
  it("answers an unknown route with 404 not_found in JSON, and a known one with another method with 405", async () => {
    expectError(await api("GET", "/nope"), "not_found");
    expectError(await api("GET", "/auth/login"), "method_not_allowed");
  });

  it("sets security headers and a request id on every response", async () => {
    for (const response of [await api("GET", "/health"), await api("GET", "/nope")]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("x-request-id")).toBeTruthy();
    }
  });
});
