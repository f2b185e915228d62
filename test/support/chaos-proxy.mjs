/**
 * A TCP proxy between the worker and the local HTTP SQL endpoint that the tests
 * steer, to show what the service does when its database misbehaves. The tests
 * run inside workerd and cannot listen on a port, so global setup starts a
 * controller here; a test asks it for a proxy of its own over HTTP:
 *
 *   POST   /proxies           {mode, ...}  -> {port, url}   url is a DATABASE_HTTP_ENDPOINT
 *   POST   /proxies/<port>    {mode, ...}  -> stats         change what it does
 *   GET    /proxies/<port>                 -> stats
 *   DELETE /proxies/<port>
 *
 * Modes:
 * - `pass`: forwards everything.
 * - `refuse`: stops listening and drops every connection (connection refused).
 * - `hang`: accepts and reads requests, never forwards or answers them.
 * - `cut` (`nth`, default 1): the nth request from now reaches the endpoint,
 *   which runs it; its answer is cut half-way (headers and half the body, then
 *   the connection drops). Then back to `pass`. The statement committed; the
 *   worker never learns its result.
 * - `slow` (`rttMs`): delays each direction by rttMs / 2.
 * - `flap` (`periodMs`): up and down in turns, starting up. While down, new
 *   connections are reset and idle ones dropped; a request already forwarded
 *   is answered in full first. So every request is either answered or never
 *   reached the endpoint, and counters stay exact.
 * - `error` (`code`, default 42P01): answers every request itself with the
 *   endpoint's shape of a Postgres error (HTTP 400, that SQLSTATE), as a
 *   database missing its schema would: a bug, not an outage.
 *
 * Stats: `requests` forwarded, `answered` (response passed on in full), `cut`,
 * `refused` (connections reset or refused), `connections` accepted.
 */
import http from "node:http";
import net from "node:net";

/** Tells when an HTTP/1.1 response, fed in chunks, is complete (Content-Length or chunked). */
function responseTracker() {
  let buffer = Buffer.alloc(0);
  let headerEnd = -1;
  let contentLength;
  let chunked = false;
  return {
    /** Adds a chunk; true once the whole response has been seen. */
    feed(chunk) {
      buffer = Buffer.concat([buffer, chunk]);
      if (headerEnd < 0) {
        headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) return false;
        const head = buffer.subarray(0, headerEnd).toString("latin1");
        const length = head.match(/\r\ncontent-length:\s*(\d+)/i);
        if (length) contentLength = Number(length[1]);
        chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      }
      const body = buffer.length - (headerEnd + 4);
      if (contentLength !== undefined) return body >= contentLength;
      if (chunked) return buffer.subarray(-5).toString("latin1") === "0\r\n\r\n";
      return false;
    },
    /** How many bytes of what was fed make the headers and half of the body received so far. */
    cutPoint() {
      if (headerEnd < 0) return Math.floor(buffer.length / 2);
      return headerEnd + 4 + Math.floor((buffer.length - headerEnd - 4) / 2);
    },
  };
}

async function startProxy({ upstreamPort }) {
  const settings = { mode: "pass", rttMs: 0, periodMs: 200, nth: 1, code: "42P01", since: Date.now() };
  const stats = { connections: 0, requests: 0, answered: 0, cut: 0, refused: 0 };
  /** @type {Set<{client: net.Socket, upstream: net.Socket, busy: boolean, tracker?: ReturnType<typeof responseTracker>, index: number}>} */
  const conns = new Set();
  let cutAt = 0;
  let listening = false;
  let flapTimer;

  const down = () => settings.mode === "flap" && Math.floor((Date.now() - settings.since) / settings.periodMs) % 2 === 1;
  const drop = (conn) => {
    conns.delete(conn);
    conn.client.destroy();
    conn.upstream.destroy();
  };
  /** Closes a connection after what was written to the client is flushed. */
  const finish = (conn, last) => {
    conns.delete(conn);
    conn.upstream.destroy();
    conn.client.end(last);
  };

  /** Writes `chunk` to `socket` after half the simulated RTT, keeping order: the latency the "slow" mode injects, not a wait in a test. */
  function delayed(conn, direction, socket, chunk) {
    const half = settings.mode === "slow" ? settings.rttMs / 2 : 0;
    if (!half && !conn[direction]) return socket.write(chunk);
    const at = Math.max(Date.now() + half, conn[direction] ?? 0);
    conn[direction] = at;
    setTimeout(() => {
      if (conn[direction] === at) conn[direction] = 0;
      if (!socket.destroyed) socket.write(chunk);
    }, at - Date.now());
  }

  const server = net.createServer((client) => {
    if (down()) {
      stats.refused++;
      client.resetAndDestroy();
      return;
    }
    stats.connections++;
    const upstream = net.connect(upstreamPort, "127.0.0.1");
    const conn = { client, upstream, busy: false, index: 0 };
    conns.add(conn);
    client.on("data", (chunk) => {
      if (settings.mode === "hang") {
        conn.hung = true;
        return;
      }
      if (settings.mode === "error") {
        // One answer per request; requests here are small enough to arrive in one chunk.
        const body = JSON.stringify({ message: "relation does not exist", code: settings.code, severity: "ERROR" });
        client.write(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      if (!conn.busy && down()) {
        // A new request on a connection kept from before the turn: refused unseen.
        stats.refused++;
        drop(conn);
        return;
      }
      if (!conn.busy) {
        conn.busy = true;
        conn.index = ++stats.requests;
        conn.tracker = responseTracker();
      }
      delayed(conn, "up", upstream, chunk);
    });
    upstream.on("data", (chunk) => {
      const tracker = conn.tracker;
      if (!tracker) return;
      const done = tracker.feed(chunk);
      if (conn.index === cutAt) {
        cutAt = 0;
        stats.cut++;
        finish(conn, chunk.subarray(0, Math.min(chunk.length, tracker.cutPoint())));
        return;
      }
      delayed(conn, "down", client, chunk);
      if (!done) return;
      conn.busy = false;
      conn.tracker = undefined;
      stats.answered++;
      // A request that was already in flight when the flap went down is answered, then dropped.
      if (down()) finish(conn);
    });
    const close = () => drop(conn);
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", () => (conn.busy ? drop(conn) : (conns.delete(conn), client.end())));
  });

  const listen = (port) => new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      listening = true;
      resolve();
    });
  });
  await listen(0);
  const port = server.address().port;

  async function configure({ mode = "pass", rttMs, periodMs, nth, code } = {}) {
    if (!["pass", "refuse", "hang", "cut", "slow", "flap", "error"].includes(mode)) throw new Error(`unknown mode ${mode}`);
    if (code !== undefined) settings.code = String(code);
    clearInterval(flapTimer);
    Object.assign(settings, { mode, since: Date.now() });
    if (rttMs !== undefined) settings.rttMs = Number(rttMs);
    if (periodMs !== undefined) settings.periodMs = Math.max(20, Number(periodMs));
    if (mode === "cut") {
      settings.mode = "pass";
      cutAt = stats.requests + Math.max(1, Number(nth ?? 1));
    }
    if (mode === "refuse") {
      // Connections first: server.close() waits until every one has ended.
      for (const conn of [...conns]) drop(conn);
      if (listening) {
        listening = false;
        await new Promise((resolve) => server.close(() => resolve()));
      }
      stats.refused++;
      return;
    }
    if (!listening) await listen(port);
    for (const conn of [...conns]) if (conn.hung) drop(conn);
    if (mode === "hang") for (const conn of [...conns]) if (!conn.busy) drop(conn);
    if (mode === "flap") {
      // At each turn down, idle connections go; busy ones go after their answer.
      // Checked four times a period, so a turn down is seen within a quarter of it.
      flapTimer = setInterval(() => {
        if (down()) for (const conn of [...conns]) if (!conn.busy) drop(conn);
      }, Math.max(5, settings.periodMs / 4));
      flapTimer.unref();
    }
  }

  return {
    port,
    url: `http://127.0.0.1:${port}/sql`,
    configure,
    stats: () => ({ mode: settings.mode, ...stats }),
    async close() {
      clearInterval(flapTimer);
      for (const conn of [...conns]) drop(conn);
      if (listening) await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts the controller on `port`; proxies it makes forward to the endpoint on
 * `upstreamPort` (127.0.0.1).
 * @param {{ port?: number, upstreamPort: number }} options
 */
export async function startChaosController({ port = 0, upstreamPort }) {
  const proxies = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const json = (status, value) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      try {
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
        const match = new URL(req.url ?? "/", "http://chaos").pathname.match(/^\/proxies(?:\/(\d+))?$/);
        if (!match) return json(404, { error: "no such route" });
        if (!match[1] && req.method === "POST") {
          const proxy = await startProxy({ upstreamPort });
          await proxy.configure(body);
          proxies.set(String(proxy.port), proxy);
          return json(200, { port: proxy.port, url: proxy.url, ...proxy.stats() });
        }
        const proxy = proxies.get(match[1] ?? "");
        if (!proxy) return json(404, { error: "no such proxy" });
        if (req.method === "GET") return json(200, proxy.stats());
        if (req.method === "POST") {
          await proxy.configure(body);
          return json(200, proxy.stats());
        }
        if (req.method === "DELETE") {
          proxies.delete(match[1]);
          await proxy.close();
          return json(200, proxy.stats());
        }
        return json(405, { error: "method not allowed" });
      } catch (error) {
        return json(400, { error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port: server.address().port,
    async close() {
      for (const proxy of proxies.values()) await proxy.close();
      proxies.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
