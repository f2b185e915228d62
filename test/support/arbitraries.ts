/**
 * fast-check generators for hostile HTTP input, used by http.fuzz.test.ts.
 * JSON is generated as text, not as objects, so a body can hold what
 * JSON.stringify never writes: duplicate keys, `__proto__` as a plain key,
 * 1e400, thousands of nesting levels, broken syntax, invalid UTF-8.
 */
import fc, { type Arbitrary } from "fast-check";

/** A request as the fuzzer describes it; `bodyInit` makes its body real when it is sent. */
export interface FuzzRequest {
  method: string;
  path: string;
  /** null: no Content-Type header at all. */
  contentType: string | null;
  headers: Record<string, string>;
  body?: FuzzBody;
}

/**
 * Huge bodies stay a recipe (`fill` repeated `times`) until sent, so a failing
 * case prints in one line and shrinks by its size.
 */
export type FuzzBody =
  | { kind: "text"; text: string; stream: boolean }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "padded"; head: string; fill: string; times: number; tail: string; stream: boolean };

const encoder = new TextEncoder();

/** The body as the Request constructor takes it; a stream has no Content-Length. */
export function bodyInit(body: FuzzBody): BodyInit {
  if (body.kind === "bytes") return body.bytes;
  const text = body.kind === "text" ? body.text : body.head + body.fill.repeat(body.times) + body.tail;
  if (!body.stream) return text;
  const bytes = encoder.encode(text);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.byteLength; offset += 8192) controller.enqueue(bytes.slice(offset, offset + 8192));
      controller.close();
    },
  });
}

function describeBody(body: FuzzBody | undefined): string {
  if (!body) return "no body";
  if (body.kind === "bytes") return `bytes [${[...body.bytes.slice(0, 64)].join(",")}${body.bytes.length > 64 ? ",…" : ""}]`;
  const via = body.stream ? " (streamed)" : "";
  if (body.kind === "padded") {
    return `${JSON.stringify(body.head)} + ${JSON.stringify(body.fill)} × ${body.times} + ${JSON.stringify(body.tail)}${via}`;
  }
  const text = body.text.length > 300 ? `${body.text.slice(0, 300)}… (${body.text.length} chars)` : body.text;
  return JSON.stringify(text) + via;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** Streamed bodies stay under this: past it, see `fuzzRequest`. */
const STREAM_MAX_BYTES = 20 * 1024;

function byteLength(body: FuzzBody): number {
  if (body.kind === "bytes") return body.bytes.byteLength;
  if (body.kind === "text") return encoder.encode(body.text).byteLength;
  return encoder.encode(body.head + body.tail).byteLength + encoder.encode(body.fill).byteLength * body.times;
}

/**
 * Builds a FuzzRequest that prints readably in a counterexample. GET and HEAD
 * never carry a body. workerd logs "read end of pipe was aborted" whenever a
 * worker leaves a streamed body unread, or cancels one with more than a few KiB
 * still queued, and the suite prints nothing; so a body is streamed only to a
 * POST endpoint that reads JSON (`streams`), with a JSON content type and no
 * Content-Length header, and up to 20 KiB.
 */
export function fuzzRequest(parts: FuzzRequest, { streams = false } = {}): FuzzRequest {
  const method = parts.method.toUpperCase();
  let body = method === "GET" || method === "HEAD" ? undefined : parts.body;
  // A Content-Length over the cap (a lie here) is refused before the body is read.
  const streamable = streams && method === "POST" && JSON_TYPE.test(parts.contentType ?? "") && !("content-length" in parts.headers);
  if (body && body.kind !== "bytes" && body.stream && (!streamable || byteLength(body) > STREAM_MAX_BYTES)) body = { ...body, stream: false };
  const request = { ...parts, body };
  return Object.assign(request, {
    [fc.toStringMethod]: () =>
      `${parts.method} ${parts.path} content-type=${JSON.stringify(parts.contentType)} headers=${JSON.stringify(parts.headers)} body=${describeBody(body)}`,
  });
}

// ---------------------------------------------------------------- strings

/** Injection probes and characters that break naive handling (`pg_sleep` here is hostile input the service must keep as text; nothing waits on it). */
export const FRAGMENTS = [
  "' OR 1=1 --", "' OR '1'='1", "'; DROP TABLE users; --", "1; SELECT pg_sleep(5)", "\" OR \"\"=\"", "$1", "E'\\x00'",
  "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "]]>", "<!--",
  "${7*7}", "${jndi:ldap://x/a}", "{{7*7}}", "#{7*7}", "%s%s%n", "\\u0000",
  "../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f", "file:///etc/passwd",
  "\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085", "\r\n", "\t", "\u2028", "\u2029",
  "\u202e", "\u200f", "\u200e", "\u200b", "\ufeff", "\ufffd", "\ud800", "\udfff", "\udbff\udfff",
  "🔐", "👩‍👩‍👧‍👦", "🏳️‍🌈", "Z̤͔ͧ̑̓ä͖̭̈̇l", "ﷺ", "𝒜", "İ", "ß", "ǅ", "١٢٣٤٥٦", "１２３４５６",
  "__proto__", "constructor", "prototype", "null", "undefined", "NaN", "Infinity", "-0", "true", "[]", "{}",
  "{\"$gt\":\"\"}", "$where", "\\", "\"", "'", "`", "%00", "%", "@", "+", ".", " ",
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const control = fc.integer({ min: 0, max: 0x1f }).map((unit) => String.fromCharCode(unit));

/** Very long runs of one awkward character: some under the 16 KiB cap, some over. */
export const longString: Arbitrary<string> = fc
  .tuple(fc.constantFrom("a", "é", "🔐", "\u0000", "'", " ", "\ud800", "\\"), fc.integer({ min: 256, max: 5_000 }))
  .map(([char, times]) => char.repeat(times));

/** Any string a client could send: probes, control characters, lone surrogates, any code point, very long. */
export const hostileString: Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 }), fc.string({ unit: "binary", maxLength: 4 }), loneSurrogate, control), {
        maxLength: 8,
      })
      .map((parts) => parts.join("")),
  },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
  { weight: 1, arbitrary: longString },
);

/** A valid value made slightly wrong: a probe glued on, padded, upper-cased or cut. */
export function nearly(valid: Arbitrary<string>): Arbitrary<string> {
  return fc
    .tuple(valid, fc.constantFrom(...FRAGMENTS), fc.constantFrom("prefix", "suffix", "middle", "upper", "cut"))
    .map(([value, probe, how]) => {
      const half = Math.floor(value.length / 2);
      if (how === "prefix") return probe + value;
      if (how === "suffix") return value + probe;
      if (how === "middle") return value.slice(0, half) + probe + value.slice(half);
      if (how === "upper") return value.toUpperCase();
      return value.slice(0, half);
    });
}

// ---------------------------------------------------------------- JSON text

const KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "then", "",
  "email", "password", "phone", "channel", "challenge_id", "code", "refresh_token"];

export const jsonKey: Arbitrary<string> = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: hostileString });

/** `{...}` from key/JSON-text pairs, in order, duplicates kept. */
export function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(",")}}`;
}

const scalarText: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.constantFrom("true", "false", "null", "0", "-0", "1e400", "-1e400", "1e-400", "9007199254740993", "123456789012345678901234567890", "0.1", "-1", "\"\"", "[]", "{}") },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
);

/** Any JSON value as text: numbers, booleans, null, hostile strings, small arrays and objects with prototype-ish keys. */
export const jsonValue: Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ maxDepth: 3 }, scalarText, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
  object: fc.array(fc.tuple(jsonKey, tie("value")), { maxLength: 4 }).map(objectText),
})).value;

/** Not a string where a string belongs. */
export const notAString: Arbitrary<string> = jsonValue.filter((text) => !text.startsWith("\""));

/**
 * One field's JSON text: often valid (so requests get past validation and reach
 * the database), otherwise nearly valid, hostile, or not a string at all.
 */
export function field(valid: Arbitrary<string>): Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: valid.map((s) => JSON.stringify(s)) },
    { weight: 2, arbitrary: nearly(valid).map((s) => JSON.stringify(s)) },
    { weight: 2, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
    { weight: 1, arbitrary: notAString },
  );
}

/** An object with the endpoint's fields, each sometimes missing, plus extra (prototype-ish, duplicate) keys before or after. */
export function shapedObject(fields: Record<string, Arbitrary<string>>): Arbitrary<string> {
  const present = Object.entries(fields).map(([name, value]) =>
    fc.option(value.map((text) => [name, text] as const), { freq: 6, nil: undefined }),
  );
  const extras = fc.array(fc.tuple(jsonKey, jsonValue), { maxLength: 3 });
  return fc.tuple(fc.tuple(...present), extras, fc.boolean()).map(([own, extra, extrasFirst]) => {
    const known = own.filter((entry) => entry !== undefined);
    return objectText(extrasFirst ? [...extra, ...known] : [...known, ...extra]);
  });
}

// ---------------------------------------------------------------- bodies

const text = (value: string, stream = false): FuzzBody => ({ kind: "text", text: value, stream });

function bytesAround(head: string, middle: readonly number[], tail: string): FuzzBody {
  return { kind: "bytes", bytes: new Uint8Array([...encoder.encode(head), ...middle, ...encoder.encode(tail)]) };
}

/** Not JSON: cut short, JSON5-isms, raw control characters, invalid UTF-8, random bytes. */
export function brokenJson(shaped: Arbitrary<string>): Arbitrary<FuzzBody> {
  return fc.oneof(
    fc.tuple(shaped, fc.nat()).map(([s, n]) => text(s.slice(0, n % Math.max(1, s.length)))),
    fc.constantFrom(
      "{'email': 'a@b.co'}", "{email: 1}", "{\"a\":1,}", "[1,]", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1}/*c*/",
      "{\"a\":01}", "{\"a\":\"\\x41\"}", "{\"a\":\"\u0000\"}", "{\"a\":\"\n\"}", "{\"a\":1}{\"a\":2}", "{\"a\":1} x",
      "\ufeff{}", "\ufeff\ufeff{}", "\u0000", " ", "\r\n", "{", "}", "\"", "[", "nul", "tru", "{\"a\"}", "{:1}",
    ).map((s) => text(s)),
    fc.string({ unit: "binary", maxLength: 80 }).map((s) => text(s)),
    fc.uint8Array({ maxLength: 96 }).map((bytes): FuzzBody => ({ kind: "bytes", bytes })),
    // Overlong NUL, an encoded surrogate, a stray continuation byte, past U+10FFFF, UTF-16 with its BOM.
    fc.constantFrom([0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])
      .map((middle) => bytesAround("{\"email\":\"", middle, "@x.io\",\"password\":\"correct horse\"}")),
  );
}

/**
 * Bodies over the 16 KiB cap: mostly 17-64 KiB, now and then about 1 MiB; with
 * and without Content-Length (streamed, which `fuzzRequest` allows up to 20 KiB).
 */
export const hugeBody: Arbitrary<FuzzBody> = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 16 * 1024 + 1, max: 19 * 1024 }) },
      { weight: 5, arbitrary: fc.integer({ min: 19 * 1024, max: 64 * 1024 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1000 * 1024, max: 1100 * 1024 }) },
    ),
    fc.constantFrom(
      ["{\"email\":\"", "a", "@x.io\",\"password\":\"correct horse\"}"],
      ["{\"password\":\"", "é", "\"}"],
      ["", " ", "{}"],
      ["[", "1,", "1]"],
      ["{\"a\":\"", "\\u0000", "\"}"],
      ["{\"email\":\"a@b.co\",\"password\":\"", "🔐", "\"}"],
    ),
    fc.boolean(),
  )
  .map(([bytes, [head, fill, tail], stream]): FuzzBody => ({
    kind: "padded",
    head,
    fill,
    tail,
    times: Math.ceil(bytes / encoder.encode(fill).byteLength),
    stream,
  }));

/** 1,000 to 10,000 levels of `[[[...]]]` or `{"a":{"a":...}}`, balanced or not, alone or as a field's value. */
export const deepBody: Arbitrary<FuzzBody> = fc
  .tuple(fc.integer({ min: 1000, max: 10_000 }), fc.constantFrom("array", "object"), fc.boolean(), fc.boolean(), jsonKey)
  .map(([depth, shape, closed, inField, key]) => {
    const open = shape === "array" ? "[" : "{\"a\":";
    const close = shape === "array" ? "]" : "}";
    const deep = open.repeat(depth) + (shape === "array" ? "" : "1") + (closed ? close.repeat(depth) : "");
    return text(inField ? `{${JSON.stringify(key)}:${deep}}` : deep);
  });

/** Every kind of body a JSON endpoint should refuse or accept, `shaped` being the endpoint's own object. */
export function jsonEndpointBody(shaped: Arbitrary<string>): Arbitrary<FuzzBody | undefined> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.tuple(shaped, fc.boolean()).map(([s, stream]) => text(s, stream)) },
    { weight: 2, arbitrary: jsonValue.map((s) => text(s)) },
    { weight: 3, arbitrary: brokenJson(shaped) },
    { weight: 1, arbitrary: hugeBody },
    { weight: 1, arbitrary: deepBody },
    { weight: 1, arbitrary: fc.constantFrom<FuzzBody | undefined>(undefined, text("")) },
  );
}

// ---------------------------------------------------------------- headers, methods, paths

/**
 * Printable ASCII. workerd accepts other bytes in header values only with a
 * console warning per value, so hostile Unicode goes in bodies and paths instead.
 */
export const headerValue: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }) },
  { weight: 2, arbitrary: fc.constantFrom("", " ", "0", "-1", "1e9", "99999999999999999999", "abc", "gzip", "chunked", "null", "Bearer", "' OR 1=1 --", "<script>", "${7*7}", "../") },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 8000 }).map((n) => "a".repeat(n)) },
);

export const contentType: Arbitrary<string | null> = fc.oneof(
  { weight: 20, arbitrary: fc.constant("application/json") },
  { weight: 2, arbitrary: fc.constantFrom("application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=utf-16le", "application/json ; boundary=x", "application/json\t;q=1") },
  {
    weight: 2,
    arbitrary: fc.constantFrom("text/plain", "text/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=----x", "application/jsonp",
      "application/json-patch+json", "application/ld+json", "application/xml", "*/*", "application/", "json", "application/json, text/plain"),
  },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: headerValue },
);

/** Now and then a header a client should not be able to hurt us with, including lies about Content-Length and the client address. */
export const extraHeaders: Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.constantFrom("cf-connecting-ip", "content-length", "cf-ray", "x-forwarded-for", "accept", "accept-encoding", "content-encoding",
        "transfer-encoding", "origin", "cookie", "x-http-method-override", "authorization"),
      headerValue,
      { maxKeys: 3 },
    ),
  },
);

/** Methods workerd lets a Request carry, some lower-case (its constructor refuses others, e.g. CONNECT and made-up ones). */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PURGE", "COPY", "LOCK", "MKCOL", "MOVE",
  "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "MSEARCH", "NOTIFY", "SUBSCRIBE",
  "UNSUBSCRIBE", "QUERY", "BAN", "get", "post", "patch", "delete"];

export const method: Arbitrary<string> = fc.constantFrom(...METHODS);

/** Suffixes that turn a known path into a near miss. */
const PATH_TWISTS = ["/", "//", "?", "?x=1", "?email=a@b.co&password=x", "#frag", ".json", "%00", "%2F", "/..", "/../health", ";x=1",
  "%20", "/%2e%2e/", "?%ZZ", "?__proto__[x]=1", "\\", "/\u0000", "/🔐"];

/** A known path, a near miss of one, an arbitrary one, or a very long one. Always starts with `/`. */
export function path(known: readonly string[]): Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...known), fc.constantFrom(...PATH_TWISTS)).map(([p, twist]) => p + twist) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((p) => p.toUpperCase()) },
    { weight: 2, arbitrary: fc.webPath().map((p) => (p.startsWith("/") ? p : `/${p}`)) },
    { weight: 2, arbitrary: fc.array(hostileString.filter((s) => s.length < 200), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 16_000 }).map((n) => `/auth/${"a".repeat(n)}`) },
  );
}

// ---------------------------------------------------------------- tokens

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export const base64url = (length: number): Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: length, maxLength: length });

function encodeSegment(json: string): string {
  let binary = "";
  for (const byte of encoder.encode(json)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const JWT_HEADERS = [
  "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
  "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"../../etc/passwd\"}", "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\"}", "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}",
  "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}", "{\"alg\":\"HS256\",\"jku\":\"http://evil.test\"}", "{}", "[]", "null",
];

/** Three (or two, or four) base64url segments with JWT-like headers and arbitrary claims. */
export const jwtShaped: Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...JWT_HEADERS), jsonValue),
    fc.oneof(jsonValue, fc.tuple(fc.oneof(fc.uuid(), hostileString), fc.integer()).map(([sub, exp]) => JSON.stringify({ sub, exp, iat: 0, jti: "x", amr: ["pwd", "otp"], iss: "https://auth.innovation.ia", aud: "innovation.ia" }))),
    fc.oneof(base64url(43), base64url(86), fc.constant("")),
    fc.integer({ min: 2, max: 4 }),
  )
  .map(([header, payload, signature, segments]) => [encodeSegment(header), encodeSegment(payload), signature, signature].slice(0, segments).join("."));

/** A real token, almost always made invalid: a character changed, cut, doubled, re-headed as alg none, stripped of its signature, padded or upper-cased. */
export function tampered(token: string): Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: Math.max(0, token.length - 1) }), fc.constantFrom(...BASE64URL, ".", "=", "+", "/"), fc.constantFrom("flip", "cut", "double", "alg-none", "no-signature", "pad", "upper"))
    .map(([at, char, how]) => {
      const [, payload = "", signature = ""] = token.split(".");
      if (how === "flip") return token.slice(0, at) + char + token.slice(at + 1);
      if (how === "cut") return token.slice(0, at);
      if (how === "double") return token + token;
      if (how === "alg-none") return `${encodeSegment("{\"alg\":\"none\",\"typ\":\"at+jwt\"}")}.${payload}.`;
      if (how === "no-signature") return token.slice(0, token.length - signature.length);
      if (how === "pad") return `${token}==`;
      return token.toUpperCase();
    });
}
