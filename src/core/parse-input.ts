import type { z } from "zod";
import { BelfryError, type ErrorDetail } from "./errors";
import { jsonProblem } from "./json-limits";

/**
 * Input checked against a zod schema, with Belfry's 400: the message and details name each
 * field. Used by the HTTP validators, the dialects and the service binding alike.
 */

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

/** A 400 for failed validation, its message naming the first field (`root` for the whole). */
export function validationError(
  issues: ReadonlyArray<z.core.$ZodIssue>,
  prefix = "",
  root = "body",
): BelfryError {
  const details = issueDetails(issues, prefix).map((d) => (d.path ? d : { ...d, path: root }));
  const first = details[0];
  const message = first ? `${first.path}: ${first.message}` : "invalid request";
  return new BelfryError("invalid_request", message, details);
}

/** Parse with a schema or throw a 400 naming the field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = "",
): z.output<S> {
  // Input that did not come through jsonBody (dialects, the service binding) meets the same
  // rules: no unpaired surrogates, no nesting deeper than a task may store.
  const problem = jsonProblem(value);
  if (problem) {
    const path = prefix ? `${prefix}.${problem.path}` : problem.path;
    throw new BelfryError("invalid_request", `${path}: ${problem.message}`, [{ ...problem, path }]);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues, prefix);
  return result.data;
}
