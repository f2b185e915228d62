/** POST /auth/2fa/resend: a new code for a live challenge, after its cooldown. */
import * as z from "zod/mini";
import { resend } from "./core/signin/resend";
import { createFunction, flowDeps } from "./http/app";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const ResendBody = z.object({ challenge_id: field.challengeId });

export default createFunction().post("/auth/2fa/resend", jsonBody(ResendBody), flowDeps, async (c) => {
  return c.json(await resend(c.get("deps"), { challengeId: c.get("body").challenge_id }), 202);
});
