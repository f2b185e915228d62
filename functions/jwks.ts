/**
 * GET /.well-known/jwks.json: the public key access tokens are signed with,
 * when JWT_PRIVATE_KEY is set, so other services verify tokens without the
 * shared secret. With HS256 there is nothing public: 404.
 */
import { loadConfig } from "./core/config";
import { AuthError } from "./core/errors";
import { jwks } from "./core/flow";
import { createFunction } from "./http/app";

export default createFunction().get("/.well-known/jwks.json", async (c) => {
  const set = await jwks(loadConfig(c.env as unknown as Record<string, unknown>));
  if (!set) throw new AuthError("not_found", {}, { message: "Tokens are signed with HS256; no public key is published." });
  return c.json(set, 200, { "cache-control": "public, max-age=300" });
});
