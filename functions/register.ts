/** POST /auth/register: create an account with e-mail, password and an optional phone. */
import * as z from "zod/mini";
import { register } from "./core/account/register";
import { createFunction, flowDeps } from "./http/app";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const RegisterBody = z.object({
  email: field.email,
  password: field.password,
  phone: z.optional(field.phone),
  locale: z.optional(field.locale),
});

export default createFunction().post("/auth/register", jsonBody(RegisterBody), flowDeps, async (c) => {
  const user = await register(c.get("deps"), { ...c.get("body"), acceptLanguage: c.req.header("accept-language") ?? null });
  return c.json({ user }, 201);
});
