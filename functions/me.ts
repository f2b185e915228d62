/** GET /auth/me: the account behind a Bearer access token. */
import { me } from "./core/session/session";
import { createFunction, flowDeps } from "./http/app";
import { bearerToken } from "./http/bearer";

export default createFunction().get("/auth/me", flowDeps, async (c) => {
  const user = await me(c.get("deps"), bearerToken(c.req.header("authorization")));
  return c.json({ user }, 200);
});
