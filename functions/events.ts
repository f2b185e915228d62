/** GET /auth/events?before=<cursor>&limit=<n> (Bearer): the account's security log, newest first. */
import * as z from "zod/mini";
import { AuthError } from "./core/errors";
import { EVENTS_PAGE_DEFAULT, EVENTS_PAGE_MAX, listEvents } from "./core/events";
import { createFunction, flowDeps } from "./http/app";
import { signedIn } from "./http/bearer";

export const EventsQuery = z.object({
  before: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  limit: z._default(
    z.string().check(z.regex(/^\d{1,3}$/, "A whole number."), z.refine((v) => Number(v) >= 1 && Number(v) <= EVENTS_PAGE_MAX, `From 1 to ${EVENTS_PAGE_MAX}.`)),
    String(EVENTS_PAGE_DEFAULT),
  ),
});

export default createFunction().get("/auth/events", flowDeps, signedIn(), async (c) => {
  const query = EventsQuery.safeParse({ before: c.req.query("before"), limit: c.req.query("limit") });
  if (!query.success) {
    throw new AuthError("invalid_request", { details: query.error.issues.map((i) => ({ field: i.path.map(String).join("."), message: i.message })) });
  }
  return c.json(await listEvents(c.get("deps"), c.get("caller"), { before: query.data.before, limit: Number(query.data.limit) }), 200);
});
