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

/** One validation problem per field (at most ten), each with a message a person can act on. */
export function details(issues: readonly z.core.$ZodIssue[], input: unknown): { field: string; message: string }[] {
  return issues.slice(0, 10).map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join(".") : "(body)",
    message: issue.message === "Invalid input" ? describe(issue, input) : issue.message,
  }));
}

/** What a JSON value is, in the words of a type error: "null", "an array", "a number"... */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** The value at `path` in the parsed body, and whether it is there at all. */
function at(input: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, key)) return { present: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value };
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "invalid_type") {
    // zod leaves the offending value out of its issues; read it from the body.
    const found = at(input, issue.path);
    const expected = issue.expected === "object" ? "an object" : issue.expected === "array" ? "an array" : `a ${issue.expected}`;
    return found.present ? `Expected ${expected}, got ${kindOf(found.value)}.` : "Required.";
  }
  if (issue.code === "invalid_value") return `Expected one of: ${issue.values.map(String).join(", ")}.`;
  if (issue.code === "unrecognized_keys") return `Unknown field(s): ${issue.keys.join(", ")}.`;
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
    if (!parsed.success) throw new AuthError("invalid_request", { details: details(parsed.error.issues, json) });
    c.set("body", parsed.data);
    await next();
  };
}
