/**
 * The bench's peer worker: Better Auth mounted on Hono, as its Hono guide
 * shows, with the database handle and the Better Auth instance around it made
 * per request (the usual `createAuth(env)` pattern on Workers).
 *
 * Its database path is the best one it supports on Workers, and the same as the
 * service's: Neon's HTTP path (`neon()` + drizzle-orm/neon-http), one HTTP round
 * trip per statement on a pooled session. Better Auth's Drizzle adapter runs
 * without interactive transactions on Postgres by default (`transaction: false`),
 * so nothing it does needs a WebSocket session.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { Hono } from "hono";
import { createAuth, type PeerEnv } from "./auth";
import { schema } from "./schema";

/** Neon's own endpoint, used when DATABASE_HTTP_ENDPOINT (the bench's local one) is unset. */
const NEON_FETCH_ENDPOINT = neonConfig.fetchEndpoint;

function openDatabase(env: PeerEnv) {
  // A global in @neondatabase/serverless 1.2; this worker only ever sets one value.
  neonConfig.fetchEndpoint = env.DATABASE_HTTP_ENDPOINT || NEON_FETCH_ENDPOINT;
  return drizzle({ client: neon(env.DATABASE_URL), schema });
}

const app = new Hono<{ Bindings: PeerEnv }>();

app.get("/health", (c) => c.text("ok"));

app.on(["GET", "POST"], "/api/auth/*", (c) => createAuth(c.env, openDatabase(c.env)).handler(c.req.raw));

export default app;
