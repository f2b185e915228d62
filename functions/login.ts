/** POST /auth/login: check the password and send a one-time code by e-mail or SMS. */
import * as z from "zod/mini";
import { login } from "./core/signin/login";
import { createFunction, flowDeps } from "./http/app";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const LoginBody = z.object({
  email: field.email,
  // Any non-empty password up to the cap: the length rules apply at registration, not here.
  password: z.string().check(z.minLength(1, "Required."), z.maxLength(1024, "Too long.")),
  // Unset: the account's authenticator app if it has one, else e-mail.
  channel: z.optional(field.channel),
});

export default createFunction().post("/auth/login", jsonBody(LoginBody), flowDeps, async (c) => {
  const challenge = await login(c.get("deps"), c.get("body"));
  return c.json(challenge, 202);
});
