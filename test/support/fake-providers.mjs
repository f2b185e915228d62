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
 */
import http from "node:http";

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
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
