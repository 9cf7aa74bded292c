import { executionUuid } from "./execution-uuid";

/** What dynamic fields in a task body can refer to at fire time. */
export interface DynamicContext {
  /** Replaces `$job`. */
  job: {
    id: string;
    name: string | null;
    execution: number;
    /** The occurrence's id, the same on each of its retries (its `webhook-id`). */
    execution_id: string;
    attempt: number;
    scheduled_at: string;
  };
  /** Replaces `$state`: the object the target last answered under "$state". */
  state: unknown;
  /** Replaces `$previous`: the previous occurrence's answer, null before the first. */
  previous: { status_code: number | null; body: unknown } | null;
}

/** Largest `$state` a target may set, measured as UTF-8 JSON (16 KiB). */
export const MAX_STATE_BYTES = 16 * 1024;

// Segments are restricted to identifier-like keys and array indexes so that prose such as
// "$job is done" or "$state: ok" is never mistaken for a path and replaced with null.
const DYNAMIC_FIELD = /^\$(job|state|previous)((?:\.[A-Za-z0-9_-]+)*)$/;
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

type Root = "job" | "state" | "previous";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseField(text: string): { root: Root; path: string[] } | null {
  const match = DYNAMIC_FIELD.exec(text);
  if (!match) return null;
  const root = match[1];
  if (root !== "job" && root !== "state" && root !== "previous") return null;
  const rest = match[2] ?? "";
  return { root, path: rest === "" ? [] : rest.slice(1).split(".") };
}

function step(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) {
    // Only indexes: "length" is an own property of arrays but not data the user sent.
    return ARRAY_INDEX.test(segment) ? value[Number(segment)] : undefined;
  }
  // Own properties only, so "__proto__", "constructor" or "toString" never reach the
  // prototype chain; a JSON key literally named "__proto__" is ordinary data and is found.
  if (isRecord(value) && Object.hasOwn(value, segment)) return value[segment];
  return undefined;
}

/**
 * `$job` as a body sees it: the context's fields and `execution_uuid`, the execution id as a
 * UUID (for receivers that expect one, such as Loopitis' `executionId`), derived, not stored.
 */
function jobValue(job: DynamicContext["job"]) {
  return { ...job, execution_uuid: executionUuid(job.execution_id) };
}

function lookup(field: { root: Root; path: string[] }, ctx: DynamicContext): unknown {
  let value: unknown = field.root === "job" ? jobValue(ctx.job) : ctx[field.root];
  for (const segment of field.path) {
    value = step(value, segment);
    if (value === undefined) return null;
  }
  // A copy, so that whoever edits the resolved body cannot reach back into the context.
  return value === undefined ? null : structuredClone(value);
}

/** Replace every string that is exactly `$job`, `$state`, `$previous` or a path under one. */
export function resolveDynamicFields(body: unknown, ctx: DynamicContext): unknown {
  if (typeof body === "string") {
    const field = parseField(body);
    return field ? lookup(field, ctx) : body;
  }
  if (Array.isArray(body)) return body.map((item) => resolveDynamicFields(item, ctx));
  if (isRecord(body)) {
    // fromEntries defines own properties; assigning out["__proto__"] would set a prototype.
    return Object.fromEntries(
      Object.entries(body).map(([key, value]) => [key, resolveDynamicFields(value, ctx)]),
    );
  }
  return body;
}

/** True if the body contains any dynamic field, so callers can skip resolving. */
export function hasDynamicFields(body: unknown): boolean {
  if (typeof body === "string") return DYNAMIC_FIELD.test(body);
  if (Array.isArray(body)) return body.some(hasDynamicFields);
  if (isRecord(body)) return Object.values(body).some(hasDynamicFields);
  return false;
}

const encoder = new TextEncoder();

/** The `$state` a response body sets (top-level "$state", ≤ 16 KiB), or undefined if none. */
export function extractState(responseBody: string): unknown | undefined {
  // Cheap exit for the common case: most bodies are not JSON objects, and parsing a large
  // HTML or text answer on every fire would be wasted work.
  if (!responseBody.trimStart().startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(responseBody);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !Object.hasOwn(parsed, "$state")) return undefined;
  // Any JSON value is kept, null included: answering {"$state": null} clears the state.
  const state = parsed.$state;
  if (encoder.encode(JSON.stringify(state)).length > MAX_STATE_BYTES) return undefined;
  return state;
}
