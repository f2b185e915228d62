/**
 * The bench's peer worker: Better Auth mounted on Hono, as its Hono guide
 * shows. On Workers a database socket belongs to one request, so the client,
 * and the Better Auth instance around it, are made per request (the usual
 * `createAuth(env)` pattern for Postgres on Workers).
 */
import { Client } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { Hono } from "hono";
import { createAuth, type PeerEnv } from "./auth";
import { schema } from "./schema";

/** A `pg` Client that connects on its first query, like the service's. */
class LazyClient extends Client {
  private connecting?: Promise<void>;

  override query(...args: unknown[]): any {
    this.connecting ??= this.connect();
    return this.connecting.then(() => (super.query as (...a: unknown[]) => unknown).apply(this, args));
  }

  get opened(): boolean {
    return this.connecting !== undefined;
  }
}

function openDatabase(env: PeerEnv) {
  const client = new LazyClient({ connectionString: env.DATABASE_URL });
  const proxy = env.DATABASE_WS_PROXY;
  if (proxy) {
    client.neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    client.neonConfig.useSecureWebSocket = false;
    client.neonConfig.pipelineTLS = false;
    client.neonConfig.pipelineConnect = false;
  }
  client.on("error", () => {});
  return {
    db: drizzle({ client, schema }),
    close: () => (client.opened ? client.end().catch(() => {}) : Promise.resolve()),
  };
}

const app = new Hono<{ Bindings: PeerEnv }>();

app.get("/health", (c) => c.text("ok"));

app.on(["GET", "POST"], "/api/auth/*", async (c) => {
  const database = openDatabase(c.env);
  try {
    return await createAuth(c.env, database.db).handler(c.req.raw);
  } finally {
    c.executionCtx.waitUntil(database.close());
  }
});

export default app;
