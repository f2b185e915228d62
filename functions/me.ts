/** GET /auth/me: the account behind a Bearer access token. */
import { me } from "./core/session/session";
import { createFunction, flowDeps } from "./http/app";

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i);
  return match?.[1];
}

export default createFunction().get("/auth/me", flowDeps, async (c) => {
  const user = await me(c.get("deps"), bearer(c.req.header("authorization")));
  return c.json({ user }, 200);
});
