/**
 * A WebSocket-to-TCP bridge: what Neon's proxy does in production, so the
 * worker's @neondatabase/serverless code path runs unchanged against a plain
 * Postgres (the embedded one or a real server) in `npm run dev`, tests and the
 * bench. Only loopback targets are allowed: this is not an open proxy.
 */
import http from "node:http";
import net from "node:net";
import { WebSocketServer } from "ws";

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

/** Reads a NUL-terminated string at `offset`; returns it and the offset after the NUL. */
function cstring(buffer, offset) {
  const end = buffer.indexOf(0, offset);
  if (end < 0) return ["", buffer.length];
  return [buffer.toString("utf8", offset, end), end + 1];
}

/**
 * Follows the client's side of the Postgres protocol just enough to see
 * Terminate ('X') and to count statements (Query 'Q' and Execute 'E').
 * workerd never closes the WebSocket after `client.end()` and PGlite does not
 * close on Terminate, so the bridge closes both sides itself when it sees one.
 * Each statement is reported with its SQL text: the Query's own, or for an
 * Execute the text its portal's statement was parsed from (Parse, Bind).
 */
function protocolWatcher({ onTerminate, onStatement }) {
  let buffer = Buffer.alloc(0);
  let startup = true;
  /** prepared statement name -> SQL, portal name -> statement name ("" is the unnamed one). */
  const parsed = new Map();
  const portals = new Map();
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (startup) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        buffer = buffer.subarray(length);
        if (code !== SSL_REQUEST && code !== GSS_REQUEST) startup = false;
        continue;
      }
      if (buffer.length < 5) return;
      const type = String.fromCharCode(buffer[0]);
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      const body = buffer.subarray(5, 1 + length);
      buffer = buffer.subarray(1 + length);
      if (type === "P") {
        const [name, next] = cstring(body, 0);
        parsed.set(name, cstring(body, next)[0]);
      } else if (type === "B") {
        const [portal, next] = cstring(body, 0);
        portals.set(portal, cstring(body, next)[0]);
      } else if (type === "Q") {
        onStatement(cstring(body, 0)[0]);
      } else if (type === "E") {
        onStatement(parsed.get(portals.get(cstring(body, 0)[0]) ?? "") ?? "");
      }
      if (type === "X") return onTerminate();
    }
  };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;

/**
 * Starts the bridge. `wsProxy` is the value for DATABASE_WS_PROXY.
 * `stats().transactions` counts BEGINs; `onStatement(sql)`, if given, sees the
 * SQL text of every statement counted (the bench uses it to profile).
 * @param {{ port?: number, host?: string, onStatement?: (sql: string) => void }} [options]
 */
export async function startBridge({ port = 0, host = "127.0.0.1", onStatement } = {}) {
  const stats = { connections: 0, open: 0, statements: 0, transactions: 0 };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    if (req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(stats));
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://bridge").searchParams.get("address") ?? "";
    const split = address.lastIndexOf(":");
    const targetHost = address.slice(0, split);
    const targetPort = Number(address.slice(split + 1));
    if (!LOOPBACK.has(targetHost) || !Number.isInteger(targetPort)) {
      ws.close(1008, "only loopback databases are bridged");
      return;
    }
    stats.connections++;
    stats.open++;
    const tcp = net.connect(targetPort, targetHost.replace(/^\[|\]$/g, ""));
    sockets.add(tcp);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      stats.open--;
      sockets.delete(tcp);
      tcp.destroy();
      // A close handshake, not a dropped socket: workerd reports an abrupt drop as an
      // uncaught "Network connection lost" in the worker.
      if (ws.readyState === ws.OPEN) {
        ws.close(1000, "database connection closed");
        setTimeout(() => ws.terminate(), 1_000).unref();
      } else if (ws.readyState === ws.CONNECTING) ws.terminate();
    };
    const watch = protocolWatcher({
      onStatement: (sql) => {
        stats.statements++;
        if (BEGIN.test(sql)) stats.transactions++;
        onStatement?.(sql);
      },
      onTerminate: () => setImmediate(close),
    });
    const pending = [];
    tcp.on("connect", () => {
      for (const data of pending.splice(0)) tcp.write(data);
    });
    ws.on("message", (data) => {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      if (tcp.connecting) pending.push(chunk);
      else tcp.write(chunk);
      watch(chunk);
    });
    tcp.on("data", (data) => {
      if (ws.readyState === ws.OPEN) ws.send(data);
    });
    tcp.on("error", close);
    tcp.on("close", close);
    ws.on("error", close);
    ws.on("close", close);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    wsProxy: `${host}:${actualPort}/v2`,
    stats: () => ({ ...stats }),
    async close() {
      for (const socket of sockets) socket.destroy();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => {
        wss.close(() => server.close(() => resolve()));
        server.closeAllConnections();
      });
    },
  };
}
