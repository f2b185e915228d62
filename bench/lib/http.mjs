/**
 * The bench's HTTP client: one keep-alive connection per virtual user (an
 * http.Agent with a single socket), so "a different user per connection" is
 * literal, and a cookie jar for the peer's cookie-based session.
 * Only 127.0.0.1 is ever contacted.
 */
import http from "node:http";

/** A client bound to one origin and one TCP connection. */
export function connection(origin) {
  const base = new URL(origin);
  if (base.hostname !== "127.0.0.1") throw new Error(`the bench only talks to 127.0.0.1, not ${base.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** @type {Map<string, string>} */
  const cookies = new Map();

  /**
   * Sends one request; resolves with status, parsed JSON (or text) and headers.
   * @param {string} method @param {string} path
   * @param {{ json?: unknown, headers?: Record<string, string>, timeoutMs?: number }} [options]
   */
  function request(method, path, { json, headers = {}, timeoutMs = 30_000 } = {}) {
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const allHeaders = { ...headers };
    if (body) {
      allHeaders["content-type"] = "application/json";
      allHeaders["content-length"] = String(body.length);
    }
    if (cookies.size) allHeaders.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: base.hostname, port: base.port, method, path, headers: allHeaders, agent, timeout: timeoutMs },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            for (const line of res.headers["set-cookie"] ?? []) {
              const [pair, ...attributes] = line.split(";");
              const eq = pair.indexOf("=");
              const name = pair.slice(0, eq).trim();
              const value = pair.slice(eq + 1).trim();
              const expired = value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
              if (expired) cookies.delete(name);
              else cookies.set(name, value);
            }
            const text = Buffer.concat(chunks).toString("utf8");
            let data = text;
            if ((res.headers["content-type"] ?? "").includes("json")) {
              try {
                data = JSON.parse(text);
              } catch {
                // keep the text: the caller reports it
              }
            }
            resolve({ status: res.statusCode ?? 0, data, headers: res.headers });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  return {
    request,
    cookies,
    close: () => agent.destroy(),
  };
}
