/**
 * Fake SendGrid and Twilio: real local HTTP servers that accept the same
 * requests as the real APIs and record what they received, so tests (and the
 * bench) read the codes a user would have got. Nothing else is faked.
 *
 * Failure switches, by recipient:
 * - an e-mail whose local part starts with `fail` gets HTTP 500 from SendGrid;
 * - an e-mail whose local part starts with `flaky` gets HTTP 503 on its first
 *   request, then is accepted (a provider that fails first, then succeeds);
 * - a phone number starting with +1555000 gets HTTP 500 from Twilio;
 * - a Twilio account SID of `AC_bad` gets 401 from the account lookup.
 *
 * Fake Have I Been Pwned (Pwned Passwords range API): `GET /hibp/range/<prefix>`
 * answers in HIBP's format, so HIBP_API_URL can point at `${url}/hibp`. Every
 * request is recorded (GET /hibp-requests) so a test can see exactly what left
 * the service. Failure switches, by base path or by an `x-test-hibp` header:
 * - `/hibp-slow/range/...` (or `x-test-hibp: slow`) never answers (a hung API);
 * - `/hibp-down/range/...` (or `x-test-hibp: down`) answers HTTP 503.
 */
import { createHash } from "node:crypto";
import http from "node:http";

/**
 * The passwords the fake HIBP knows as breached, with their real SHA-1
 * (uppercase hex, as the API uses). The counts are illustrative, not HIBP's.
 * "correct horse battery staple" is deliberately absent: tests use it as the
 * good password.
 */
export const HIBP_BREACHED = [
  { password: "password123", sha1: "CBFDAC6008F9CAB4083784CBD1874F76618D2A97", count: 2_460_000 },
  { password: "123456", sha1: "7C4A8D09CA3762AF61E59520943DC26494F8941B", count: 37_300_000 },
  { password: "qwerty123", sha1: "5CEC175B165E3D5E62C9E13CE848EF6FEAC81BFF", count: 1_020_000 },
  { password: "senha123", sha1: "3DECD49A6C6DCE88C16A85B9A8E42B51AA36F1E2", count: 145_000 },
  { password: "iloveyou", sha1: "EE8D8728F435FD550F83852AABAB5234CE1DA528", count: 2_330_000 },
];

const sha1Upper = (text) => createHash("sha1").update(text).digest("hex").toUpperCase();

/**
 * The range answer for a prefix, as HIBP gives it: `SUFFIX:COUNT` lines joined
 * by CRLF, sorted by suffix. Besides the built-in breached passwords, a few
 * hundred other suffixes with non-zero counts stand for the rest of the corpus
 * under that prefix (fixed per prefix), so a client must match its own suffix
 * exactly; with `Add-Padding: true`, count-0 entries with random suffixes fill
 * the answer to between 800 and 1,000 lines.
 */
function hibpRange(prefix, padded) {
  const entries = HIBP_BREACHED.filter((b) => b.sha1.startsWith(prefix)).map((b) => [b.sha1.slice(5), b.count]);
  const others = 300 + (parseInt(prefix, 16) % 200);
  for (let i = 0; i < others; i++) {
    const suffix = sha1Upper(`fake-hibp:${prefix}:${i}`).slice(5);
    entries.push([suffix, 1 + (parseInt(suffix.slice(0, 6), 16) % 50_000)]);
  }
  if (padded) {
    const target = 800 + Math.floor(Math.random() * 201);
    while (entries.length < target) entries.push([sha1Upper(`pad:${Math.random()}`).slice(5), 0]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([suffix, count]) => `${suffix}:${count}`).join("\r\n");
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** @param {{ port?: number }} [options] */
export async function startFakeProviders({ port = 0 } = {}) {
  /** @type {{provider: string, to: string, text: string, authorized: boolean, at: number}[]} */
  const messages = [];
  let counter = 0;
  const flakySeen = new Set();
  /** @type {{url: string, prefix: string, mode: "ok" | "slow" | "down", headers: Record<string, unknown>, body: string, at: number}[]} */
  const hibpRequests = [];
  /** Sentry envelopes as text, from POST /api/<project>/envelope/ (DSN http://key@host/<project>). */
  const envelopes = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const body = await readBody(req);
    const json = (status, value, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(value));
    };

    if (req.method === "POST" && /^\/api\/\d+\/envelope\/?$/.test(url.pathname)) {
      envelopes.push(body);
      return json(200, { id: `fake-${++counter}` });
    }
    if (req.method === "GET" && url.pathname === "/sentry") return json(200, envelopes);

    const hibp = url.pathname.match(/^\/(hibp|hibp-slow|hibp-down)\/range\/([^/]*)$/);
    if (req.method === "GET" && hibp) {
      const [, base, prefix] = hibp;
      const header = String(req.headers["x-test-hibp"] ?? "");
      const mode = base === "hibp-down" || header === "down" ? "down" : base === "hibp-slow" || header === "slow" ? "slow" : "ok";
      hibpRequests.push({ url: req.url ?? "", prefix, mode, headers: { ...req.headers }, body, at: Date.now() });
      if (mode === "down") {
        res.writeHead(503, { "content-type": "text/plain" });
        return res.end("Service Unavailable");
      }
      const answer = () => {
        if (res.destroyed) return;
        if (!/^[0-9A-Fa-f]{5}$/.test(prefix)) {
          res.writeHead(400, { "content-type": "text/plain" });
          return res.end("The hash prefix was not in a valid format");
        }
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(hibpRange(prefix.toUpperCase(), String(req.headers["add-padding"]).toLowerCase() === "true"));
      };
      if (mode === "ok") return answer();
      // "slow": a hung API. Nothing is answered; the service's own timeout is what
      // ends the request, and the connection closes when the client gives up.
      return;
    }
    if (req.method === "GET" && url.pathname === "/hibp-requests") return json(200, hibpRequests);

    if (req.method === "GET" && url.pathname === "/messages") {
      const to = url.searchParams.get("to");
      return json(200, to ? messages.filter((m) => m.to === to) : messages);
    }

    if (req.method === "POST" && url.pathname.endsWith("/v3/mail/send")) {
      const authorized = /^Bearer \S+/.test(req.headers.authorization ?? "");
      let mail;
      try {
        mail = JSON.parse(body);
      } catch {
        return json(400, { errors: [{ message: "bad json" }] });
      }
      const to = mail?.personalizations?.[0]?.to?.[0]?.email ?? "";
      const text = `${mail?.subject ?? ""}\n${mail?.content?.[0]?.value ?? ""}`;
      if (!authorized) return json(401, { errors: [{ message: "unauthorized" }] });
      if (/^fail/.test(to)) return json(500, { errors: [{ message: "simulated outage" }] });
      if (/^flaky/.test(to) && !flakySeen.has(to)) {
        flakySeen.add(to);
        return json(503, { errors: [{ message: "simulated hiccup" }] });
      }
      messages.push({ provider: "sendgrid", to, text, authorized, at: Date.now() });
      res.writeHead(202, { "x-message-id": `fake-sg-${++counter}` });
      return res.end();
    }

    const twilio = url.pathname.match(/\/2010-04-01\/Accounts\/([^/]+)(\/Messages)?\.json$/);
    if (twilio) {
      const [, sid, isMessages] = twilio;
      const authorized = (req.headers.authorization ?? "").startsWith("Basic ");
      if (!authorized || sid === "AC_bad") return json(401, { code: 20003, message: "Authenticate" });
      if (req.method === "GET" && !isMessages) return json(200, { sid, status: "active" });
      if (req.method === "POST" && isMessages) {
        const form = new URLSearchParams(body);
        const to = form.get("To") ?? "";
        if (to.startsWith("+1555000")) return json(500, { code: 20500, message: "simulated outage" });
        messages.push({ provider: "twilio", to, text: form.get("Body") ?? "", authorized, at: Date.now() });
        return json(201, { sid: `SMfake${++counter}`, status: "queued" });
      }
    }
    json(404, { message: "not found" });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actualPort = server.address().port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    messages,
    envelopes,
    hibpRequests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
