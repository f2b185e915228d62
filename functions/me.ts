/**
 * The signed-in account (Bearer access token):
 * GET    /auth/me                  the profile: contacts (and whether they are verified), language
 * PATCH  /auth/me {locale}         change the language of every message
 * PUT    /auth/me/phone {phone}    a code by SMS to a new number (recent sign-in)
 * POST   /auth/me/phone/confirm    the new number becomes the account's
 * GET    /auth/me/export           a JSON copy of everything kept (recent sign-in)
 * DELETE /auth/me {password}       the account and all its rows, at once (recent sign-in)
 */
import * as z from "zod/mini";
import { changePhone, confirmPhone } from "./core/account/phone";
import { deleteAccount, exportAccount, profile, setLocale } from "./core/account/profile";
import { createFunction, flowDeps } from "./http/app";
import { signedIn } from "./http/bearer";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const LocaleBody = z.object({ locale: field.locale });
export const PhoneBody = z.object({ phone: field.phone });
export const CodeBody = z.object({ code: field.code });
export const DeleteBody = z.object({ password: field.currentPassword });
const recent = signedIn({ recent: true });

export default createFunction()
  .get("/auth/me", flowDeps, signedIn(), async (c) => c.json({ user: await profile(c.get("deps"), c.get("caller")) }, 200))
  .patch("/auth/me", jsonBody(LocaleBody), flowDeps, signedIn(), async (c) =>
    c.json({ user: await setLocale(c.get("deps"), c.get("caller"), c.get("body").locale) }, 200),
  )
  .delete("/auth/me", jsonBody(DeleteBody), flowDeps, recent, async (c) => {
    await deleteAccount(c.get("deps"), c.get("caller"), c.get("body"));
    return c.body(null, 204);
  })
  .get("/auth/me/export", flowDeps, recent, async (c) => c.json(await exportAccount(c.get("deps"), c.get("caller")), 200))
  .put("/auth/me/phone", jsonBody(PhoneBody), flowDeps, recent, async (c) => c.json(await changePhone(c.get("deps"), c.get("caller"), c.get("body")), 202))
  .post("/auth/me/phone/confirm", jsonBody(CodeBody), flowDeps, signedIn(), async (c) => {
    const deps = c.get("deps");
    await confirmPhone(deps, c.get("caller"), c.get("body"));
    return c.json({ user: await profile(deps, c.get("caller")) }, 200);
  });
