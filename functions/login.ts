/** POST /auth/login: check the password and send a one-time code by e-mail or SMS. */
import * as z from "zod/mini";
import { AuthError } from "./core/errors";
import { IDEMPOTENCY_KEY } from "./core/signin/idempotency";
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

/** The optional Idempotency-Key header: a client that retries a login whose answer it lost sends the same key and gets the same challenge. */
function idempotencyKey(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new AuthError("invalid_request", { details: [{ field: "Idempotency-Key", message: "1 to 128 visible ASCII characters (a UUID, for example)." }] });
  }
  return value;
}

export default createFunction().post("/auth/login", jsonBody(LoginBody), flowDeps, async (c) => {
  const challenge = await login(c.get("deps"), { ...c.get("body"), idempotencyKey: idempotencyKey(c.req.header("idempotency-key")) });
  return c.json(challenge, 202);
});
