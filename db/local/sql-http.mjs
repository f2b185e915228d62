/**
 * A local stand-in for Neon's HTTP SQL endpoint ("SQL over HTTP", `POST /sql`),
 * so `neon()` and drizzle-orm/neon-http run unchanged against a plain Postgres
 * (the embedded one or a real server) in `npm run dev`, tests and the bench.
 * Point the worker at it with `neonConfig.fetchEndpoint = url` (in
 * @neondatabase/serverless 1.2.x that is a global setting, not a `neon()` option).
 *
 * Why: a WebSocket per request (the service's earlier path, through a local
 * WebSocket-to-TCP bridge) opens a new Postgres session each time: 2-3 extra
 * round trips before the first statement. Here, as on Neon, each request or
 * batch is one HTTP round trip and runs on a pooled session (a `pg` Pool per
 * database): this models Neon's pooler, so a request pays no backend startup.
 *
 * The wire format follows Neon's proxy (proxy/src/serverless/sql_over_http.rs
 * and json.rs in neondatabase/neon) as the 1.2.x client uses it:
 * - Request: POST JSON `{query, params}` or `{queries: [{query, params}...]}`.
 *   Headers: Neon-Connection-String (required), Neon-Raw-Text-Output and
 *   Neon-Array-Mode ("true" or absent), Neon-Batch-Isolation-Level
 *   (Serializable | RepeatableRead | ReadCommitted | ReadUncommitted),
 *   Neon-Batch-Read-Only and Neon-Batch-Deferrable ("true"). Authorization is
 *   accepted and ignored (no JWT check locally), and so is a missing password.
 *   Parameters are bound as text with unspecified types, through the extended
 *   protocol even without parameters (so one statement per query, as on Neon).
 * - Result: `{rowAsArray, fields: [{name, dataTypeID, tableID, columnID,
 *   dataTypeSize, dataTypeModifier, format: "text"}], rows, command, rowCount}`;
 *   a batch answers `{results: [...]}`, inside BEGIN ... COMMIT on one session.
 *   With raw text output values are Postgres text (the client parses them).
 * - Errors, status and JSON `{message, code, detail, hint, position, ...}`:
 *   a Postgres error in a statement: 400 with its fields (the client copies them
 *   onto NeonDbError: `code` is the SQLSTATE); a bad request: 400, code "";
 *   the database unreachable, refusing or timing out at connect: 500 (the client
 *   then throws "Server error (HTTP status 500): <body>", with no code field).
 * A session that errors, or is left inside a transaction, is discarded as Neon
 * does. Only loopback databases are served: this is not an open proxy.
 */
import http from "node:http";
import pg from "pg";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const ISOLATION = {
  Serializable: "SERIALIZABLE",
  RepeatableRead: "REPEATABLE READ",
  ReadCommitted: "READ COMMITTED",
  ReadUncommitted: "READ UNCOMMITTED",
};
const ERROR_FIELDS = ["code", "detail", "hint", "position", "internalPosition", "internalQuery", "severity", "where",
  "table", "column", "schema", "dataType", "constraint", "file", "line", "routine"];
const MAX_BODY = 10 * 1024 * 1024;
/** Values stay Postgres text: the client applies its own type parsers. */
const RAW = { getTypeParser: () => (value) => value };
const TX_STATUS = Symbol("txStatus");

class HttpError extends Error {
  constructor(status, message, dbError) {
    super(message);
    Object.assign(this, { status, dbError });
  }
}

/** Neon's error body: every field present, `code` and `severity` "" when not a Postgres error. */
function errorBody(message, dbError) {
  const body = { message };
  for (const field of ERROR_FIELDS) body[field] = dbError?.[field] ?? (field === "code" || field === "severity" ? "" : null);
  return body;
}

/** JSON parameters to Postgres text, as Neon's json_to_pg_text does. */
function paramToText(value, inArray = false) {
  if (value === null || value === undefined) return inArray ? "NULL" : null;
  if (Array.isArray(value)) return `{${value.map((v) => paramToText(v, true)).join(",")}}`;
  if (typeof value === "object") return inArray ? JSON.stringify(JSON.stringify(value)) : JSON.stringify(value);
  if (typeof value === "string") return inArray ? JSON.stringify(value) : value;
  return String(value);
}

/** Non-raw output (Neon-Raw-Text-Output absent): Neon's pg_text_to_json for common built-in types. */
const ARRAY_OF = { 1000: 16, 1005: 21, 1007: 23, 1016: 20, 1021: 700, 1022: 701, 199: 114, 3807: 3802, 1009: 25, 1015: 1043, 1014: 1042, 2951: 2950, 1231: 1700, 1182: 1082, 1115: 1114, 1185: 1184 };
function textToJson(text, oid) {
  if (ARRAY_OF[oid] !== undefined) return parseArray(text, ARRAY_OF[oid]);
  if (oid === 16) return text === "t";
  if (oid === 21 || oid === 23) return Number.parseInt(text, 10);
  if (oid === 700 || oid === 701) return Number.isFinite(Number(text)) ? Number(text) : text;
  if (oid === 114 || oid === 3802) return JSON.parse(text);
  return text;
}
function parseArray(text, elemOid) {
  let i = text.startsWith("[") ? text.indexOf("=") + 1 : 0;
  const item = () => {
    if (text[i] === "{") {
      const list = [];
      i++;
      if (text[i] === "}") return i++, list;
      for (;;) {
        list.push(item());
        if (text[i++] !== ",") return list;
      }
    }
    let raw = "";
    if (text[i] === '"') {
      for (i++; text[i] !== '"'; i++) raw += text[i] === "\\" ? text[++i] : text[i];
      i++;
      return textToJson(raw, elemOid);
    }
    while (text[i] !== "," && text[i] !== "}") raw += text[i++];
    return raw === "NULL" ? null : textToJson(raw, elemOid);
  };
  return item();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
/** Sleeps `ms`; resolves with how much later than asked it woke. */
const sleepLate = async (ms) => {
  const started = performance.now();
  await sleep(ms);
  return Math.max(0, performance.now() - started - ms);
};

/**
 * Starts the endpoint. `url` is the value for `neonConfig.fetchEndpoint`.
 * `stats()`: `requests` answered or in progress, `statements` run for clients
 * (BEGIN/COMMIT of a batch not counted), `transactions` (batches), `errors`
 * (error answers), `open` (requests in progress) and `connections` (Postgres
 * sessions opened). `onStatement(sql)` sees each statement a client sent.
 * `simulatedRttMs` delays each direction by half of it (a worker far from its
 * database). `poolSize` caps each database's pool: keep it under PGlite's
 * maxConnections, which resets connections beyond it.
 * @param {{ port?: number, host?: string, simulatedRttMs?: number, poolSize?: number,
 *   connectTimeoutMs?: number, onStatement?: (sql: string) => void }} [options]
 */
export async function startSqlHttp({
  port = 0,
  host = "127.0.0.1",
  simulatedRttMs = 0,
  poolSize = 10,
  connectTimeoutMs = 10_000,
  onStatement,
} = {}) {
  const stats = { requests: 0, statements: 0, transactions: 0, errors: 0, open: 0, connections: 0 };
  const pools = new Map();
  /** Every Postgres session, connecting or open, so close() can drop them all. */
  const sessions = new Set();
  class Session extends pg.Client {
    constructor(config) {
      super(config);
      sessions.add(this);
      this.once("end", () => sessions.delete(this));
    }
  }

  function poolFor(connectionString) {
    let url;
    try {
      url = new URL(connectionString);
    } catch (error) {
      throw new HttpError(400, `invalid connection string: ${error.message}`);
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw new HttpError(400, "incorrect scheme");
    if (!url.hostname) throw new HttpError(400, "missing hostname");
    if (!url.username) throw new HttpError(400, "missing username");
    const database = decodeURIComponent(url.pathname.slice(1));
    if (!database) throw new HttpError(400, "missing database name");
    if (!LOOPBACK.has(url.hostname)) throw new HttpError(400, `only loopback databases are served, not ${url.hostname}`);
    const config = {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database,
    };
    const key = JSON.stringify(config);
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ ...config, Client: Session, ssl: false, max: poolSize, connectionTimeoutMillis: connectTimeoutMs,
        idleTimeoutMillis: 30_000, application_name: "sql-http" });
      // An idle session's error (a restarted server) must not crash the process.
      pool.on("error", () => {});
      pool.on("connect", (client) => {
        stats.connections++;
        client.on("error", () => {});
        // ReadyForQuery status ('I' idle, 'T' in a transaction, 'E' failed one), to discard like Neon.
        client.connection.on("readyForQuery", (message) => (client[TX_STATUS] = message.status));
      });
      pools.set(key, pool);
    }
    return pool;
  }

  async function run(client, { query, params, arrayMode }, raw) {
    if (typeof query !== "string") throw new HttpError(400, "invalid payload: query must be a string");
    if (params !== undefined && !Array.isArray(params)) throw new HttpError(400, "invalid payload: params must be an array");
    stats.statements++;
    onStatement?.(query);
    const result = await client.query({
      text: query,
      values: (params ?? []).map((p) => paramToText(p)),
      rowMode: "array",
      types: RAW,
      queryMode: "extended",
    });
    const fields = result.fields.map((f) => ({
      name: f.name, dataTypeID: f.dataTypeID, tableID: f.tableID, columnID: f.columnID,
      dataTypeSize: f.dataTypeSize, dataTypeModifier: f.dataTypeModifier, format: "text",
    }));
    const value = (text, j) => (text === null || raw ? text : textToJson(text, fields[j].dataTypeID));
    const rows = result.rows.map((row) =>
      arrayMode ? row.map(value) : Object.fromEntries(row.map((text, j) => [fields[j].name, value(text, j)])));
    return { rowAsArray: arrayMode, fields, rows, command: result.command ?? "", rowCount: result.rowCount ?? null };
  }

  async function handle(req, payload, signal) {
    const header = (name) => req.headers[name.toLowerCase()];
    const connectionString = header("Neon-Connection-String");
    if (!connectionString) throw new HttpError(400, "invalid header: neon-connection-string");
    const raw = header("Neon-Raw-Text-Output") === "true";
    const defaultArrayMode = header("Neon-Array-Mode") === "true";
    const isolation = header("Neon-Batch-Isolation-Level");
    if (isolation !== undefined && !ISOLATION[isolation]) throw new HttpError(400, "invalid isolation level");
    const readOnly = header("Neon-Batch-Read-Only") === "true";
    const deferrable = header("Neon-Batch-Deferrable") === "true";
    const batch = typeof payload?.query !== "string" && Array.isArray(payload?.queries) ? payload.queries : undefined;
    if (!batch && typeof payload?.query !== "string") throw new HttpError(400, "invalid payload: expected {query, params} or {queries}");
    const pool = poolFor(connectionString);

    let client;
    try {
      client = await pool.connect();
    } catch (error) {
      // Neon: a session that cannot be opened is a compute error, HTTP 500.
      const dbError = error instanceof pg.DatabaseError ? error : undefined;
      throw new HttpError(500, dbError ? error.message : `error connecting to server: ${error.message}`, dbError);
    }
    let released = false;
    const release = (discard) => {
      if (released) return;
      released = true;
      signal.removeEventListener("abort", onAbort);
      // Discarded after an error, an abort, or when left inside a transaction (ReadyForQuery not idle).
      const status = client[TX_STATUS];
      client.release(discard || (status !== undefined && status !== "I") ? true : undefined);
      if (discard) client.connection.stream.destroy();
    };
    const onAbort = () => release(true);
    if (signal.aborted) {
      release(false);
      return { body: null };
    }
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      if (!batch) {
        const result = await run(client, { ...payload, arrayMode: payload.arrayMode ?? defaultArrayMode }, raw);
        release(false);
        return { body: result };
      }
      stats.transactions++;
      const modes = [isolation && `ISOLATION LEVEL ${ISOLATION[isolation]}`, readOnly && "READ ONLY", deferrable && "DEFERRABLE"];
      await client.query(`BEGIN ${modes.filter(Boolean).join(", ")}`);
      const results = [];
      try {
        for (const query of batch) results.push(await run(client, { ...query, arrayMode: query?.arrayMode ?? defaultArrayMode }, raw));
      } catch (error) {
        if (!released) await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
      await client.query("COMMIT");
      release(false);
      const headers = {};
      if (readOnly) headers["Neon-Batch-Read-Only"] = "true";
      if (deferrable) headers["Neon-Batch-Deferrable"] = "true";
      if (isolation) headers["Neon-Batch-Isolation-Level"] = isolation;
      return { body: { results }, headers };
    } catch (error) {
      // Neon discards a session after any error in it.
      release(true);
      if (error instanceof HttpError) throw error;
      if (error instanceof pg.DatabaseError) throw new HttpError(400, error.message, error);
      throw new HttpError(400, error.message);
    }
  }

  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(stats));
    }
    if (req.method !== "POST" || new URL(req.url ?? "/", "http://x").pathname !== "/sql") {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ message: "POST /sql only" }));
    }
    stats.requests++;
    stats.open++;
    // The client gone before the answer: its session is discarded (a query in it ends with it).
    const controller = new AbortController();
    let started = false;
    res.on("close", () => {
      if (res.writableFinished) return;
      controller.abort();
      if (!started) stats.open--;
    });
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("error", () => {});
    req.on("end", async () => {
      if (controller.signal.aborted) return;
      started = true;
      let status = 200;
      let lateMs = 0;
      let headers = {};
      let body;
      try {
        if (size > MAX_BODY) throw new HttpError(413, `request is too large (max is ${MAX_BODY} bytes)`);
        let payload;
        try {
          payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch (error) {
          throw new HttpError(400, `invalid payload: ${error.message}`);
        }
        if (simulatedRttMs > 0) lateMs = await sleepLate(simulatedRttMs / 2);
        ({ body, headers = {} } = await handle(req, payload, controller.signal));
      } catch (error) {
        stats.errors++;
        status = error instanceof HttpError ? error.status : 500;
        body = errorBody(error.message, error.dbError);
      }
      try {
        // The first half's timer may have fired late on a busy machine: the second half absorbs it.
        if (simulatedRttMs > 0) await sleep(Math.max(0, simulatedRttMs / 2 - lateMs));
        if (controller.signal.aborted || res.destroyed) return;
        res.writeHead(status, { ...headers, "content-type": "application/json", "access-control-allow-origin": "*" });
        res.end(JSON.stringify(body));
      } finally {
        stats.open--;
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    port: actualPort,
    url: `http://${urlHost}:${actualPort}/sql`,
    stats: () => ({ ...stats }),
    /** Server process ids of the open Postgres sessions (to read their CPU when the server is local). */
    backends: () => [...sessions].map((session) => session.processID).filter((pid) => Number.isInteger(pid) && pid > 0),
    async close() {
      server.closeAllConnections();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.connection.stream.destroy();
      const ended = Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
      pools.clear();
      // Bounded, whatever a database or a client does.
      let timer;
      await Promise.race([Promise.all([closed, ended]), new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
    },
  };
}
