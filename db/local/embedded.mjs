/**
 * The embedded Postgres: PGlite (Postgres compiled to WASM) behind its
 * wire-protocol server, so `npm run dev`, `npm test` and the bench need nothing
 * installed. In memory for tests; on disk under .data/ for development.
 */
import net from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts PGlite on a TCP port. `dataDir` undefined means in memory.
 * @param {{ dataDir?: string, port?: number }} [options]
 */
export async function startEmbeddedPostgres({ dataDir, port } = {}) {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const listenPort = port ?? (await freePort());
  // PGlite is one session; the server multiplexes connections onto it query by query.
  // Each worker request opens its own connection, so allow plenty.
  const server = new PGLiteSocketServer({ db, port: listenPort, host: "127.0.0.1", maxConnections: 200 });
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${listenPort}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
