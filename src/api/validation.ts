import { zValidator } from "@hono/zod-validator";
import type { Context, MiddlewareHandler, ValidationTargets } from "hono";
import type { z } from "zod";
import { BelfryError, type ErrorDetail } from "../core/errors";

function joinPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join(".");
}

/** Turn zod issues into error details naming each field (unknown keys one by one). */
export function issueDetails(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ""): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const at = (path: ReadonlyArray<PropertyKey>) => {
    const joined = joinPath(path);
    return prefix && joined ? `${prefix}.${joined}` : prefix || joined;
  };
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        details.push({ path: at([...issue.path, key]), message: "unknown field" });
      }
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      details.push({ path: at(issue.path), message: "has the wrong type or format" });
    } else {
      details.push({ path: at(issue.path), message: issue.message });
    }
  }
  return details;
}

/** A 400 for failed validation, its message naming the first field. */
export function validationError(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ""): BelfryError {
  const details = issueDetails(issues, prefix);
  const first = details[0];
  const message = first ? `${first.path || "body"}: ${first.message}` : "invalid request";
  return new BelfryError("invalid_request", message, details);
}

/** Parse with a schema or throw a 400 naming the field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = "",
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues, prefix);
  return result.data;
}

/**
 * Require a JSON body within `maxBytes`: 415 for another content type, 413 when too large,
 * 400 when it is not UTF-8 JSON. Hono caches the body, so validators read it again for free.
 */
export function jsonBody(maxBytes: (c: Context) => number): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
      throw new BelfryError("unsupported_media_type", "content-type: must be application/json");
    }
    const limit = maxBytes(c);
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > limit) {
      throw new BelfryError("payload_too_large", `body: must be at most ${limit} bytes`);
    }
    const raw = await c.req.arrayBuffer();
    if (raw.byteLength > limit) {
      throw new BelfryError("payload_too_large", `body: must be at most ${limit} bytes`);
    }
    try {
      JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(raw));
    } catch {
      throw new BelfryError("invalid_request", "body: is not valid JSON", [
        { path: "body", message: "is not valid JSON" },
      ]);
    }
    await next();
  };
}

/** @hono/zod-validator with Belfry's error: a 400 envelope naming the field. */
export function validate<S extends z.ZodType, T extends keyof ValidationTargets>(
  target: T,
  schema: S,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error.issues);
  });
}
