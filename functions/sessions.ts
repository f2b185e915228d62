/**
 * The signed-in account's sessions (Bearer access token); a session is one
 * sign-in and its refresh tokens:
 * GET    /auth/sessions        each live session, `current` for the caller's
 * DELETE /auth/sessions/{id}   ends that session at once: its next refresh is refused
 * POST   /auth/logout-all      ends every session of the account
 */
import * as z from "zod/mini";
import { listSessions, logoutAll, revokeSession } from "./core/session/session";
import { AuthError } from "./core/errors";
import { createFunction, flowDeps } from "./http/app";
import { signedIn } from "./http/bearer";

export const SessionId = z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/));

export default createFunction()
  .get("/auth/sessions", flowDeps, signedIn(), async (c) => c.json(await listSessions(c.get("deps"), c.get("caller")), 200))
  .delete("/auth/sessions/:id", flowDeps, signedIn(), async (c) => {
    const id = SessionId.safeParse(c.req.param("id").toLowerCase());
    // Not an id of ours is "no such session", like another account's.
    if (!id.success) throw new AuthError("not_found", {}, { message: "No such session on this account." });
    await revokeSession(c.get("deps"), c.get("caller"), id.data);
    return c.body(null, 204);
  })
  .post("/auth/logout-all", flowDeps, signedIn(), async (c) => {
    await logoutAll(c.get("deps"), c.get("caller"));
    return c.body(null, 204);
  });
