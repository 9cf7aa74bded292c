import type { ErrorDetail } from "./errors";

/** Deepest nesting of arrays and objects a request body may use. */
export const MAX_JSON_DEPTH = 64;

/** A field's dotted path; under `body` when the body itself is not an object. */
function describePath(path: ReadonlyArray<string | number>, rootIsObject: boolean): string {
  const parts = path.map((p) => String(p).toWellFormed());
  return (rootIsObject && parts.length > 0 ? parts : ["body", ...parts]).join(".");
}

/**
 * The first thing in a parsed JSON value that Belfry will not store: nesting deeper than
 * `maxDepth` (deep values overflow the stack of recursive code further on) or a string or key
 * with an unpaired UTF-16 surrogate (not Unicode text; it cannot be encoded as UTF-8 for D1,
 * headers or the wire). Null when the value is fine. Iterative, so any depth is safe to check.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): ErrorDetail | null {
  const rootIsObject = typeof value === "object" && value !== null && !Array.isArray(value);
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: current, path } = item;
    if (typeof current === "string") {
      if (!current.isWellFormed()) {
        return {
          path: describePath(path, rootIsObject),
          message: "contains an unpaired surrogate",
        };
      }
      continue;
    }
    if (typeof current !== "object" || current === null) continue;
    if (path.length >= maxDepth) {
      // The whole body is at fault, not the field where the limit happened to be crossed.
      return { path: "body", message: `nests deeper than ${maxDepth} levels` };
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(current)
      ? current.map((v, i) => [i, v])
      : Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (!entry) continue;
      const [key, child] = entry;
      if (typeof key === "string" && !key.isWellFormed()) {
        return {
          path: describePath([...path, key], rootIsObject),
          message: "has an unpaired surrogate",
        };
      }
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return null;
}
