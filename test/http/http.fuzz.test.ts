// Property: whatever a client sends (any method, path, headers, content type or
// body: broken, huge, deeply nested or hostile JSON, wrong types, extra keys),
// no endpoint answers 5xx, and every error is the documented JSON
// `{"error": {"code", "message", ...}}` with a registered code and no stack trace.
// Some generated requests are valid enough to reach the database: those may
// succeed; the property is only about failures. Each `it` states how many
// requests it sends; the seed of a failing run is in fast-check's report.
// api() gives every request its own random cf-connecting-ip, so per-IP limits
// don't turn the run into a wall of 429s (a few requests send a hostile one).
// Every answer, success or not, is also checked against the OpenAPI document
// (status, content type, body schema: ../support/contract.ts).
import fc, { type Arbitrary } from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ERRORS } from "../../functions/core/errors";
import { api, type ApiResponse } from "../support/api";
import { expectContract } from "../support/contract";
import {
  base64url,
  bodyInit,
  contentType,
  extraHeaders,
  field,
  fuzzRequest,
  headerValue,
  hostileString,
  jsonEndpointBody,
  jsonKey,
  jsonValue,
  jwtShaped,
  method,
  objectText,
  path,
  shapedObject,
  tampered,
  type FuzzRequest,
} from "../support/arbitraries";
import { latestCode, PASSWORD, registerUser, uniquePhone } from "../support/flows";

/** Config errors name their variable (`missing_secret_key`); every other code is in the registry. */
const CONFIG_CODE = /^(missing|invalid)_[a-z0-9_]+$/;
/** A stack frame (`at fn (file.ts:1:2)`): in no response, success or not. */
const STACK_FRAME = /\bat \S+:\d+:\d+/;
/** What else a leaked exception looks like in an error: the word stack, an error class, a query, a source path. */
const LEAK = /stack|\b(TypeError|ReferenceError|SyntaxError|RangeError)\b|Failed query|node_modules|\.[cm]?[jt]s:\d+/i;

const KNOWN_PATHS = ["/", "/auth/register", "/auth/login", "/auth/2fa/verify", "/auth/2fa/resend", "/auth/me", "/auth/token/refresh",
  "/auth/logout", "/health", "/health/deep", "/.well-known/jwks.json"];

/** A real account, a live challenge and real tokens, so fuzzed values sometimes hit real rows. */
interface Known {
  email: string;
  phone: string;
  challengeId: string;
  code: string;
  accessToken: string;
  refreshToken: string;
}
let known: Known;

beforeAll(async () => {
  // Two accounts: one signs in for the tokens, the other keeps a live challenge
  // (a second code for one account would wait out the cooldown).
  const signIn = async (user: { email: string }) => {
    const response = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return { challengeId: response.body.challenge_id as string, code: await latestCode(user.email) };
  };
  const first = await signIn(await registerUser());
  const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: first.challengeId, code: first.code } });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  const user = await registerUser({ phone: uniquePhone() });
  known = {
    email: user.email,
    phone: user.phone!,
    ...(await signIn(user)),
    accessToken: verified.body.access_token,
    refreshToken: verified.body.refresh_token,
  };
});

async function send(request: FuzzRequest): Promise<ApiResponse> {
  return api(request.method, request.path, {
    raw: request.body && bodyInit(request.body),
    contentType: request.contentType,
    headers: request.headers,
  });
}

/** Under 500, and any failure in the documented shape. */
function expectDocumented(response: ApiResponse, request: FuzzRequest) {
  const seen = `${response.status} ${response.headers.get("content-type")} ${JSON.stringify(response.body)?.slice(0, 500)}`;
  // The one documented 503: /health reporting a database slower than
  // HEALTH_DB_TIMEOUT_MS (possible on a loaded CI machine). It is the monitor's
  // answer, not an error. The path is resolved as the router sees it
  // (`/health/../health`), and a HEAD answer has no body.
  const path = new URL(`http://auth.test${request.path}`).pathname; // as api() builds it
  const unhealthy = request.method.toUpperCase() === "HEAD" || response.body?.status === "unhealthy";
  if (response.status === 503 && /^\/health(\/deep)?$/.test(path) && unhealthy) return;
  expect(response.status, seen).toBeLessThan(500);
  expect(JSON.stringify(response.body) ?? "", seen).not.toMatch(STACK_FRAME);
  // Beyond that, a success body is each endpoint's own contract (logout answers 204 with none).
  if (response.status < 300) return;
  expect(response.headers.get("content-type"), seen).toMatch(/^application\/json/);
  if (request.method.toUpperCase() === "HEAD") return;
  const body = response.body;
  expect(typeof body === "object" && body !== null ? Object.keys(body) : body, seen).toEqual(["error"]);
  const { code, message } = body.error ?? {};
  expect(typeof code === "string" && (Object.hasOwn(ERRORS, code) || CONFIG_CODE.test(code)), `unregistered code: ${seen}`).toBe(true);
  expect(typeof message === "string" && message.trim() !== "", `empty message: ${seen}`).toBe(true);
  expect(JSON.stringify(body), seen).not.toMatch(LEAK);
  if (code === "rate_limited") expect(response.headers.get("retry-after"), seen).toMatch(/^[1-9][0-9]*$/);
}

/** A POST endpoint fed mostly its own fields, sometimes another method, always any content type and extra headers. */
function jsonEndpoint(endpoint: string, fields: Record<string, Arbitrary<string>>): Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof({ weight: 12, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: method }),
      path: fc.constant(endpoint),
      contentType,
      headers: extraHeaders,
      body: jsonEndpointBody(shapedObject(fields)),
    })
    .map((parts) => fuzzRequest(parts, { streams: true }));
}

const email = () => fc.oneof(fc.uuid().map((id) => `fuzz-${id}@example.test`), fc.constant(known.email), fc.emailAddress());
const password = () => fc.oneof(fc.constant(PASSWORD), fc.string({ minLength: 8, maxLength: 40 }), fc.string({ unit: "binary", minLength: 8, maxLength: 128 }));
const phone = () => fc.oneof(fc.stringMatching(/^\+[1-9][0-9]{6,14}$/), fc.constant(known.phone));
const challengeId = () => fc.oneof(fc.uuid(), fc.constant(known.challengeId), fc.uuid().map((id) => ` ${id.toUpperCase()} `));
const code = () => fc.oneof(fc.stringMatching(/^[0-9]{6}$/), fc.constant(known.code));
const refreshToken = () =>
  fc.oneof(
    fc.constant(known.refreshToken),
    tampered(known.refreshToken),
    fc.tuple(fc.uuid(), base64url(43)).map(([family, secret]) => `${family}.${secret}`),
    fc.constant(known.accessToken),
  );

/** The Authorization header for /auth/me: missing, real, tampered, forged, the wrong kind of token, or junk. */
const authorization = () =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${known.accessToken}`) },
    { weight: 3, arbitrary: tampered(known.accessToken).map((token) => `Bearer ${token}`) },
    { weight: 3, arbitrary: jwtShaped.map((token) => `Bearer ${token}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("Bearer", "bearer", "BEARER", "Basic", "Token", "Bearer:", ""), fc.constantFrom(" ", "  ", "\t", ""),
          fc.oneof(fc.constant(known.accessToken), fc.constant(known.refreshToken), jwtShaped, headerValue))
        .map((parts) => parts.join("")),
    },
    { weight: 1, arbitrary: headerValue },
  );

function withAuthorization(value: string | undefined, headers: Record<string, string>): Record<string, string> {
  const { authorization: _, ...rest } = headers;
  return value === undefined ? rest : { ...rest, authorization: value };
}

const anyObject = fc.array(fc.tuple(jsonKey, jsonValue), { maxLength: 5 }).map(objectText);
const query = fc.oneof(fc.constant(""), fc.webQueryParameters().map((q) => `?${q}`), hostileString.map((s) => `?q=${s}`));

const GROUPS: { name: string; numRuns: number; requests: () => Arbitrary<FuzzRequest> }[] = [
  { name: "POST /auth/register", numRuns: 400, requests: () => jsonEndpoint("/auth/register", { email: field(email()), password: field(password()), phone: field(phone()) }) },
  {
    name: "POST /auth/login",
    numRuns: 400,
    requests: () => jsonEndpoint("/auth/login", { email: field(email()), password: field(password()), channel: field(fc.constantFrom("email", "sms")) }),
  },
  { name: "POST /auth/2fa/verify", numRuns: 300, requests: () => jsonEndpoint("/auth/2fa/verify", { challenge_id: field(challengeId()), code: field(code()) }) },
  { name: "POST /auth/2fa/resend", numRuns: 300, requests: () => jsonEndpoint("/auth/2fa/resend", { challenge_id: field(challengeId()) }) },
  { name: "POST /auth/token/refresh", numRuns: 300, requests: () => jsonEndpoint("/auth/token/refresh", { refresh_token: field(refreshToken()) }) },
  { name: "POST /auth/logout", numRuns: 300, requests: () => jsonEndpoint("/auth/logout", { refresh_token: field(refreshToken()) }) },
  {
    name: "GET /auth/me",
    numRuns: 300,
    requests: () =>
      fc
        .record({
          method: fc.oneof({ weight: 10, arbitrary: fc.constant("GET") }, { weight: 1, arbitrary: fc.constantFrom("HEAD", "POST") }),
          path: query.map((q) => `/auth/me${q}`),
          contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: contentType }),
          headers: fc.tuple(authorization(), extraHeaders).map(([value, headers]) => withAuthorization(value, headers)),
          body: fc.option(jsonEndpointBody(anyObject), { nil: undefined }),
        })
        .map((parts) => fuzzRequest(parts)),
  },
  {
    name: "GET /health, /health/deep, jwks",
    numRuns: 200,
    requests: () =>
      fc
        .record({
          method: fc.oneof({ weight: 8, arbitrary: fc.constant("GET") }, { weight: 1, arbitrary: fc.constant("HEAD") }, { weight: 1, arbitrary: method }),
          path: fc.tuple(fc.constantFrom("/health", "/health/deep", "/.well-known/jwks.json"), query).map(([p, q]) => p + q),
          contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: contentType }),
          headers: fc.tuple(fc.option(fc.oneof(headerValue, jwtShaped.map((t) => `Bearer ${t}`)), { nil: undefined }), extraHeaders)
            .map(([value, headers]) => withAuthorization(value, headers)),
          body: fc.option(jsonEndpointBody(anyObject), { nil: undefined }),
        })
        .map((parts) => fuzzRequest(parts)),
  },
  {
    name: "any method on any path",
    numRuns: 400,
    requests: () =>
      fc
        .record({
          method,
          path: path(KNOWN_PATHS),
          contentType,
          headers: extraHeaders,
          body: fc.option(jsonEndpointBody(anyObject), { nil: undefined }),
        })
        .map((parts) => fuzzRequest(parts)),
  },
];

/**
 * Requests go out in groups sent at once: on a server where each request opens
 * its own Postgres connection, waiting for one before sending the next is most
 * of the run. fast-check still draws and checks every request (as many as
 * before, rounded up to whole groups), and shrinks each request of a failing
 * group; the assertion names the request that failed.
 */
const IN_FLIGHT = 8;

describe("fuzzed requests", () => {
  it.each(GROUPS)("$name: $numRuns generated requests, none 5xx, every error documented, every answer as openapi.json says", async ({ numRuns, requests }) => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(requests(), { minLength: IN_FLIGHT, maxLength: IN_FLIGHT }), async (group) => {
        sent += group.length;
        const responses = await Promise.all(group.map(send));
        for (const [i, request] of group.entries()) {
          expectDocumented(responses[i]!, request);
          await expectContract(request.method, request.path, responses[i]!);
        }
      }),
      { numRuns: Math.ceil(numRuns / IN_FLIGHT) },
    );
    // Guards against a generator that silently stops producing requests.
    expect(sent).toBeGreaterThanOrEqual(numRuns);
  }, 120_000);
});
