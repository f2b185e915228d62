/** POST /auth/2fa/verify: trade a challenge and its code for an access token. */
import * as z from "zod/mini";
import { verify } from "./core/signin/verify";
import { createFunction, flowDeps } from "./http/app";
import { jsonBody } from "./http/body";
import * as field from "./http/fields";

export const VerifyBody = z.object({ challenge_id: field.challengeId, code: field.signInCode });

export default createFunction().post("/auth/2fa/verify", jsonBody(VerifyBody), flowDeps, async (c) => {
  const { challenge_id, code } = c.get("body");
  return c.json(await verify(c.get("deps"), { challengeId: challenge_id, code }), 200);
});
