import { zValidator } from "@hono/zod-validator";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import type { z } from "zod";
import { readConfig } from "../config";
import { BelfryError } from "../core/errors";
import { jsonProblem } from "../core/json-limits";
import { validationError } from "../core/parse-input";
import type { AppEnv } from "./context";
import { recordInput, recordJsonBody } from "./route-doc";

// The dialects read their input through this module; the parsing itself is not HTTP code.
export { parseOrThrow } from "../core/parse-input";

/** The media types @hono/zod-validator reads as JSON; anything else would reach it as `{}`. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

function tooLarge(limit: number): BelfryError {
  return new BelfryError("payload_too_large", `body: must be at most ${limit} bytes`, [
    { path: "body", message: `must be at most ${limit} bytes` },
  ]);
}

function notJson(message: string): BelfryError {
  return new BelfryError("invalid_request", `body: ${message}`, [{ path: "body", message }]);
}

/** Read a body, giving up as soon as it passes `limit` bytes, however it is framed. */
export async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    const reader = body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge(limit);
      }
      chunks.push(chunk.value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Require a JSON body within the deployment's MAX_BODY_BYTES: 415 for another content type, 413
 * when too large (checked while reading, so a chunked upload is not buffered past the limit), 400
 * when it is not UTF-8 JSON, nests too deep or holds unpaired surrogates.
 */
export const jsonBody: MiddlewareHandler<AppEnv> = recordJsonBody<MiddlewareHandler<AppEnv>>(
  async (c, next) => {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (!mediaType || !JSON_MEDIA_TYPE.test(mediaType)) {
      throw new BelfryError("unsupported_media_type", "content-type: must be application/json");
    }
    const limit = readConfig(c.env).maxBodyBytes;
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    const bytes = await readBounded(c.req.raw.body, limit);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    } catch {
      throw notJson("is not valid JSON");
    }
    const problem = jsonProblem(value);
    if (problem) {
      throw new BelfryError("invalid_request", `${problem.path}: ${problem.message}`, [problem]);
    }
    // The stream is spent; the validators after this one read the body from this copy.
    const { raw } = c.req;
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: bytes });
    await next();
  },
);

/**
 * @hono/zod-validator with Belfry's error: a 400 envelope naming the field. The schema is
 * recorded, so the OpenAPI document describes exactly what the route checks.
 */
export function validate<S extends z.ZodType, T extends keyof ValidationTargets>(
  target: T,
  schema: S,
) {
  const validator = zValidator(target, schema, (result) => {
    if (!result.success) {
      throw validationError(result.error.issues, "", target === "json" ? "body" : target);
    }
  });
  return recordInput(validator, { target, schema });
}
