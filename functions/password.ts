/**
 * POST /auth/password/forgot {email}                       202, the same for every address
 * POST /auth/password/reset {reset_id, code, new_password}  204; nobody is signed in, every session ends
 * POST /auth/password/change {current_password, new_password} (Bearer) 204; other sessions end
 */
import * as z from "zod/mini";
import { changePassword } from "./core/account/profile";
import { forgotPassword, resetPassword } from "./core/account/recovery";
import { createFunction, flowDeps } from "./http/app";
import { signedIn } from "./http/bearer";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const ForgotBody = z.object({ email: field.email });
export const ResetBody = z.object({ reset_id: field.challengeId, code: field.code, new_password: field.password });
export const ChangeBody = z.object({ current_password: field.currentPassword, new_password: field.password });

export default createFunction()
  .post("/auth/password/forgot", jsonBody(ForgotBody), flowDeps, async (c) => c.json(await forgotPassword(c.get("deps"), c.get("body")), 202))
  .post("/auth/password/reset", jsonBody(ResetBody), flowDeps, async (c) => {
    const { reset_id, code, new_password } = c.get("body");
    await resetPassword(c.get("deps"), { resetId: reset_id, code, newPassword: new_password });
    return c.body(null, 204);
  })
  .post("/auth/password/change", jsonBody(ChangeBody), flowDeps, signedIn(), async (c) => {
    const { current_password, new_password } = c.get("body");
    await changePassword(c.get("deps"), c.get("caller"), { currentPassword: current_password, newPassword: new_password });
    return c.body(null, 204);
  });
