/**
 * The per-request database client. A client is made for each request from its
 * bindings and ended when the request is done: a socket opened by one request
 * cannot be used by another in workerd ("Cannot perform I/O on behalf of a
 * different request"), and nothing is cached in a global.
 */
import { Client } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { DatabaseConfig } from "../functions/core/config";
import * as schema from "./schema";

export type Db = NeonDatabase<typeof schema>;

export interface RequestDatabase {
  /** The Drizzle handle; the connection opens on the first statement. */
  db: Db;
  /** Statements sent so far: the figure budgets and request logs report. */
  statements(): number;
  /** Ends the connection if one was opened. Safe to call more than once. */
  close(): Promise<void>;
}

/** A `pg` Client that connects on its first query and counts every statement it sends. */
class CountingClient extends Client {
  statementCount = 0;
  private connecting?: Promise<void>;

  override query(...args: unknown[]): any {
    this.statementCount++;
    this.connecting ??= this.connect();
    return this.connecting.then(() => (super.query as (...a: unknown[]) => unknown).apply(this, args));
  }

  get opened(): boolean {
    return this.connecting !== undefined;
  }
}

/**
 * Local development and tests: a plain-TCP Postgres behind the WebSocket bridge
 * in db/local/, so no TLS and no pipelining (Neon's proxy does those).
 */
export function useLocalBridge(client: Client, proxy: string): void {
  client.neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
  client.neonConfig.useSecureWebSocket = false;
  client.neonConfig.pipelineTLS = false;
  client.neonConfig.pipelineConnect = false;
}

/** How long a close may take; a connection that never opened can leave `end()` pending forever. */
const END_TIMEOUT_MS = 1_000;

function endWithin(client: Client, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    client.end().then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

export function openDatabase(config: DatabaseConfig): RequestDatabase {
  const client = new CountingClient({ connectionString: config.url });
  if (config.wsProxy) useLocalBridge(client, config.wsProxy);
  // A late "Connection terminated" after the response must not become an uncaught error.
  client.on("error", () => {});
  let closed: Promise<void> | undefined;
  return {
    db: drizzle({ client, schema }),
    statements: () => client.statementCount,
    close: () => (closed ??= client.opened ? endWithin(client, END_TIMEOUT_MS) : Promise.resolve()),
  };
}
