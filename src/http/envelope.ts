import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { BelfryError } from "../core/errors";

/** Answer with the success envelope. */
export function success<T>(c: Context, payload: T, status: ContentfulStatusCode = 200) {
  return c.json({ status: "success" as const, payload }, status);
}

/** The error envelope for a caller's mistake. */
export function errorBody(error: BelfryError) {
  return {
    status: "error" as const,
    error: { code: error.code, message: error.message, details: error.details },
  };
}
