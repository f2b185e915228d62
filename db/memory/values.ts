/**
 * What Postgres's column types do to values on the way in and out, so the
 * memory store accepts, refuses and prints what the Postgres store does.
 */
import { MemoryStoreError, SECOND } from "./tables";

/**
 * A value for a `uuid` column, as Postgres reads one: any case, hyphens after any
 * group of four digits, optionally in braces; stored and compared in canonical
 * form. Anything else fails the statement.
 */
export function uuid(value: string): string {
  const inner = /^\{.*\}$/.test(value) ? value.slice(1, -1) : value;
  if (!/^[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}$/i.test(inner)) throw new MemoryStoreError(`invalid input syntax for type uuid: "${value}"`);
  const hex = inner.replace(/-/g, "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A value for a `text` column: the driver sends UTF-8 (a lone surrogate becomes
 * U+FFFD), and Postgres refuses the NUL character.
 */
export function text(value: string): string;
export function text(value: string | null): string | null;
export function text(value: string | null): string | null {
  if (value === null) return null;
  if (value.includes("\u0000")) throw new MemoryStoreError('invalid byte sequence for encoding "UTF8": 0x00');
  return decoder.decode(encoder.encode(value));
}

/** Whole seconds until `at`, rounded up: `CEIL(EXTRACT(EPOCH FROM at - now()))`. */
export function secondsUntil(at: number, now: number): number {
  return Math.ceil((at - now) / SECOND);
}

/**
 * A `timestamptz` as Postgres writes it into JSON (`to_json`, `json_build_object`)
 * in a UTC session: ISO 8601 with the offset spelled `+00:00` and no trailing
 * zeros in the fraction (`2026-11-01T12:00:00.5+00:00`).
 */
export function timestamp(ms: number): string;
export function timestamp(ms: number | null): string | null;
export function timestamp(ms: number | null): string | null {
  if (ms === null) return null;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}${iso.slice(19, 23).replace(/\.?0+$/, "")}+00:00`;
}

/** A `LIMIT` as Postgres takes it: a whole number, not negative. */
export function limit(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new MemoryStoreError("LIMIT must be a whole number, not negative");
  return value;
}
