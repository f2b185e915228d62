/**
 * JSON body validation at the edge of each function: content type, a size cap
 * that holds even without Content-Length, strict UTF-8, valid JSON, then the
 * function's schema. Handlers read input only from what this returns.
 */
import type { MiddlewareHandler } from "hono";
import type * as z from "zod/mini";
import { AuthError } from "../core/errors";
import type { AppEnv } from "./app";

/** Bodies here are a few hundred bytes; anything over this is refused unread. */
export const MAX_BODY_BYTES = 16 * 1024;

async function readCapped(request: Request): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw new AuthError("payload_too_large");
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new AuthError("payload_too_large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new AuthError("invalid_json");
  }
}

function details(issues: readonly z.core.$ZodIssue[]): { field: string; message: string }[] {
  return issues.slice(0, 10).map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join(".") : "(body)",
    message: issue.message === "Invalid input" ? describe(issue) : issue.message,
  }));
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return issue.input === undefined ? "Required." : `Expected ${issue.expected}.`;
  if (issue.code === "invalid_value") return `Expected one of: ${issue.values.map(String).join(", ")}.`;
  return "Invalid value.";
}

/** Validates the JSON body against `schema`; the result is `c.get("body")`. */
export function jsonBody<S extends z.ZodMiniType>(
  schema: S,
): MiddlewareHandler<AppEnv & { Variables: { body: z.infer<S> } }> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new AuthError("unsupported_media_type");
    const json = parseJson(await readCapped(c.req.raw));
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AuthError("invalid_request", { details: details(parsed.error.issues) });
    c.set("body", parsed.data);
    await next();
  };
}
