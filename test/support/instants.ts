/** Instants as the stores write them into JSON, matched by the store harness (stores.ts). */
import { expect } from "vitest";

/** How Postgres writes a timestamptz into JSON in a UTC session (and so must the memory store). */
export const JSON_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,5}[1-9])?\+00:00$/;

/** A JSON timestamp whose instant is within [from, to] (epoch milliseconds). */
export function timestampWithin(from: number, to: number): string {
  return expect.toSatisfy((value: unknown) => typeof value === "string" && JSON_TIMESTAMP.test(value) && Date.parse(value) >= from && Date.parse(value) <= to, `a JSON timestamp from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`);
}
