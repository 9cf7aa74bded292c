import { z } from "zod";
import { durationSchema } from "../core/duration";
import { METHODS, methodSchema, timestampSchema } from "../core/task-input";

/** zod schemas to the JSON Schema components of an OpenAPI 3.1 document. */

/** A JSON object of the document. */
export type JsonObject = { [key: string]: unknown };

const DURATION_NOTE =
  'Milliseconds as a number, a string ("500ms", "30s", "5m", "2h", "1d") or a tuple ([5, "minutes"])';
const INSTANT_NOTE = "RFC 3339 with a zone (2026-12-01T09:00:00Z) or unix seconds";
const METHOD_NOTE = `One of ${METHODS.join(", ")}, in any case; default POST`;

/** Drop what the document does not need: `$schema`/`$id` markers and the safe-integer bounds. */
export function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "$id") continue;
    if (
      (key === "minimum" || key === "maximum") &&
      Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER
    ) {
      continue;
    }
    out[key] = tidy(value);
  }
  return out;
}

export function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

/** How to write a duration, an instant or a method, by the schema the field wraps. */
const SHARED_NOTES = new Map<z.ZodType, string>([
  [durationSchema, DURATION_NOTE],
  [timestampSchema, INSTANT_NOTE],
  [methodSchema, METHOD_NOTE],
]);

/**
 * Add the shared note to each field that is a duration, an instant or a method. A field's own
 * description (its `.meta()`) says what it does; the note, after it, says how to write it.
 */
const describeShared: NonNullable<z.core.ToJSONSchemaParams["override"]> = ({
  zodSchema,
  jsonSchema,
}) => {
  let inner: unknown = zodSchema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap();
  const note = SHARED_NOTES.get(inner as z.ZodType);
  if (!note) return;
  const own = jsonSchema.description;
  if (own === undefined || own === note) jsonSchema.description = note;
  else if (!own.endsWith(note)) jsonSchema.description = `${own}. ${note}`;
  if (inner === methodSchema) jsonSchema.examples = ["POST"];
};

const JSON_VALUE_REF = "#/components/schemas/JsonValue";

/** Replace every `$ref` found in `renames`. */
function rewriteRefs(node: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, renames));
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string"
        ? (renames.get(value) ?? value)
        : rewriteRefs(value, renames);
  }
  return out;
}

/**
 * Convert named zod schemas to components that refer to each other by `$ref`. zod puts
 * recursive schemas it was not given a name for (other `z.json()`s) under `__shared`, which an
 * OpenAPI document cannot point into; those become the JsonValue component they equal, or
 * components of their own.
 */
export function components(schemas: Record<string, z.ZodType>, io: "input" | "output"): JsonObject {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const result = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
    override: describeShared,
  });
  const out = asObject(tidy(result.schemas));
  const shared = asObject(asObject(out.__shared).$defs);
  delete out.__shared;
  const renames = new Map<string, string>();
  for (const [key, def] of Object.entries(shared)) {
    const ref = `#/components/schemas/__shared#/$defs/${key}`;
    const asJsonValue = JSON.stringify(def).replaceAll(ref, JSON_VALUE_REF);
    if (asJsonValue === JSON.stringify(out.JsonValue)) {
      renames.set(ref, JSON_VALUE_REF);
    } else {
      renames.set(ref, `#/components/schemas/Shared_${key}`);
      out[`Shared_${key}`] = def;
    }
  }
  return asObject(rewriteRefs(out, renames));
}
