/**
 * Second factors of the signed-in account (Bearer access token):
 * GET    /auth/factors                 the account's factors and unused recovery codes
 * POST   /auth/factors/totp            enrol an authenticator app (pending until confirmed)
 * POST   /auth/factors/totp/confirm    activate it with its first code; recovery codes, once
 * DELETE /auth/factors/totp            remove it
 * POST   /auth/recovery-codes          ten new recovery codes; the old ones die
 * All but the list need a recent sign-in (REAUTH_MAX_AGE_SECONDS).
 */
import * as z from "zod/mini";
import { confirmTotp, enrolTotp, listFactors, regenerateRecoveryCodes, removeTotp } from "./core/factors/manage";
import { createFunction, flowDeps } from "./http/app";
import { signedIn } from "./http/bearer";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const ConfirmBody = z.object({ code: field.code });
const recent = signedIn({ recent: true });

export default createFunction()
  .get("/auth/factors", flowDeps, signedIn(), async (c) => c.json(await listFactors(c.get("deps"), c.get("caller")), 200))
  .post("/auth/factors/totp", flowDeps, recent, async (c) => c.json(await enrolTotp(c.get("deps"), c.get("caller")), 201))
  .post("/auth/factors/totp/confirm", jsonBody(ConfirmBody), flowDeps, recent, async (c) =>
    c.json(await confirmTotp(c.get("deps"), c.get("caller"), c.get("body").code), 200),
  )
  .delete("/auth/factors/totp", flowDeps, recent, async (c) => {
    await removeTotp(c.get("deps"), c.get("caller"));
    return c.body(null, 204);
  })
  .post("/auth/recovery-codes", flowDeps, recent, async (c) => c.json(await regenerateRecoveryCodes(c.get("deps"), c.get("caller")), 201));
