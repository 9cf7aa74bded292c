import { z } from "zod";
import { durationSchema } from "./duration";

/** HTTP methods a task may use; accepted in any case, stored upper-case. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

export const MISFIRE_POLICIES = ["run_once", "skip", "run_all"] as const;

const methodSchema = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(METHODS, { error: `must be one of ${METHODS.join(", ")}` }));

/** RFC 3339 with a zone, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00.5+01:00. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The latest instant a schedule may name. Durable Object alarms cannot be set past 2189, so a
 * later one could never fire; 2100 keeps every accepted time well inside what can be armed.
 */
export const MAX_TIMESTAMP_MS = Date.UTC(2100, 0, 1);

/** An instant: an RFC 3339 string or unix seconds. Parses to epoch milliseconds. */
export const timestampSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms =
    typeof value === "number"
      ? value * 1000
      : RFC3339.test(value)
        ? Date.parse(value.replace(" ", "T"))
        : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({
      code: "custom",
      message: "must be an RFC 3339 timestamp with a zone or unix seconds",
    });
    return z.NEVER;
  }
  if (ms > MAX_TIMESTAMP_MS) {
    ctx.addIssue({ code: "custom", message: "must be before 2100-01-01T00:00:00Z" });
    return z.NEVER;
  }
  return Math.round(ms);
});

const stringMap = z.record(z.string(), z.string());

/** A query parameter holding a comma-separated list of `values`, e.g. `state=active,paused`. */
export function commaSeparated<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .transform((s) => s.split(",").map((x) => x.trim()))
    .pipe(z.array(z.enum(values)));
}

const jsonValue: z.ZodType<unknown> = z.json();

/** When a task fires: exactly one of `at`, `delay`, `every`, `cron`, plus bounds. */
export const scheduleSchema = z
  .strictObject({
    /** One time, at this instant. */
    at: timestampSchema.optional(),
    /** One time, this long after the create. */
    delay: durationSchema.optional(),
    /** Recurring, on a grid of this interval. */
    every: durationSchema.optional(),
    /** Recurring, on this cron pattern (5, 6 or 7 fields, or a nickname). */
    cron: z.string().max(200).optional(),
    /** IANA zone the cron pattern is read in; only with `cron`. Default UTC. */
    timezone: z.string().max(100).optional(),
    /** No call before this instant; with `every`, the first call is at it. */
    begins: timestampSchema.optional(),
    /** No call after this instant. */
    expires: timestampSchema.optional(),
    /** Stop after this many calls. */
    occurrences: z.number().int().min(1).max(1_000_000_000).optional(),
    /** What to do with grid points missed while the task could not run. */
    misfire: z.enum(MISFIRE_POLICIES).optional(),
    /** How late a grid point may be and still fire on its grid (default 60 s, at most 7 days). */
    catchup_window: durationSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const forms = (["at", "delay", "every", "cron"] as const).filter((k) => s[k] !== undefined);
    if (forms.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: "must hold exactly one of at, delay, every, cron",
      });
      return;
    }
    if (s.timezone !== undefined && s.cron === undefined) {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: "only allowed with cron" });
    }
    if (s.every === undefined && s.cron === undefined) {
      for (const key of [
        "begins",
        "expires",
        "occurrences",
        "misfire",
        "catchup_window",
      ] as const) {
        if (s[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: "only allowed with every or cron",
          });
        }
      }
    }
  });
export type ScheduleInput = z.output<typeof scheduleSchema>;

export const retrySchema = z.strictObject({
  /** Attempts per occurrence, the first included (1 = never retry). */
  attempts: z.number().int().min(1).max(10).optional(),
  /** Delay before the first retry; doubles for each further one. */
  backoff: durationSchema.optional(),
  /** The longest delay between two attempts. */
  max_backoff: durationSchema.optional(),
});

const taskFields = {
  name: z.string().min(1).max(200).nullable().optional(),
  url: z.string().min(1),
  method: methodSchema.optional(),
  headers: stringMap.optional(),
  query: stringMap.optional(),
  body: jsonValue.optional(),
  schedule: scheduleSchema,
  retry: retrySchema.optional(),
  timeout: durationSchema.optional(),
  callback_url: z.string().min(1).nullable().optional(),
  events_url: z.string().min(1).nullable().optional(),
};

/** The body of POST /api/v1/tasks. */
export const createTaskSchema = z.strictObject({
  ...taskFields,
  idempotency_key: z.string().min(1).max(200).optional(),
});
export type CreateTaskInput = z.output<typeof createTaskSchema>;

/** The body of PATCH /api/v1/tasks/{id}: any definition field; `schedule` replaces the old one. */
export const patchTaskSchema = z.strictObject({
  ...taskFields,
  url: taskFields.url.optional(),
  schedule: scheduleSchema.optional(),
});
export type PatchTaskInput = z.output<typeof patchTaskSchema>;
