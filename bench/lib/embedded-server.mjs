/**
 * Runs the embedded Postgres (PGlite) in its own process for the bench, so the
 * database's CPU neither competes with the load generator's event loop nor
 * hides in its CPU figures. Started by stack.mjs with fork(); tells the parent
 * its URL over IPC and stops when told to, or when the parent goes away.
 */
import { startEmbeddedPostgres } from "../../db/local/embedded.mjs";

const server = await startEmbeddedPostgres();
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => {});
  process.exit(0);
}
process.on("message", (message) => {
  if (message === "stop") stop();
});
process.on("disconnect", stop);
process.on("SIGTERM", stop);
process.on("SIGINT", () => {}); // the parent decides when to stop on Ctrl-C
process.send?.({ url: server.url });
