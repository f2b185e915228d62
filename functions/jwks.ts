/**
 * GET /.well-known/jwks.json: the public key access tokens are signed with,
 * when JWT_PRIVATE_KEY is set, so other services verify tokens without the
 * shared secret. With HS256 there is nothing public: 404.
 */
import { AuthError } from "./core/errors";
import { jwks } from "./core/session/session";
import { createFunction } from "./http/app";

export default createFunction().get("/.well-known/jwks.json", async (c) => {
  const set = await jwks(c.get("wiring").config());
  if (!set) throw new AuthError("not_found", {}, { message: "Tokens are signed with HS256; no public key is published." });
  return c.json(set, 200, { "cache-control": "public, max-age=300" });
});
