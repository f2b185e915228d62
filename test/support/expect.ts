/** Assertions against the error-code registry, never against string literals. */
import { expect } from "vitest";
import { ERRORS, type ErrorCode } from "../../functions/core/errors";
import type { ApiResponse } from "./api";

/** The response is the documented error: its status and `{"error": {"code", "message"}}`, and no stack. */
export function expectError(response: ApiResponse, code: ErrorCode, status: number = ERRORS[code].status) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(JSON.stringify(response.body)).not.toMatch(/\bat \S+:\d+:\d+|stack/i);
}
