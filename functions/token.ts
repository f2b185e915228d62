/**
 * POST /auth/token/refresh: rotate a refresh token into a new pair.
 * POST /auth/logout: revoke a refresh token's family.
 */
import * as z from "zod/mini";
import { logout, refresh } from "./core/session/session";
import { createFunction, flowDeps } from "./http/app";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const RefreshBody = z.object({ refresh_token: field.refreshToken });

export default createFunction()
  .post("/auth/token/refresh", jsonBody(RefreshBody), flowDeps, async (c) => {
    return c.json(await refresh(c.get("deps"), { refreshToken: c.get("body").refresh_token }), 200);
  })
  .post("/auth/logout", jsonBody(RefreshBody), flowDeps, async (c) => {
    await logout(c.get("deps"), { refreshToken: c.get("body").refresh_token });
    return c.body(null, 204);
  });
