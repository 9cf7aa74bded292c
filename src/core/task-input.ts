import { z } from "zod";
import { durationSchema } from "./duration";

/** HTTP methods a task may use; accepted in any case, stored upper-case. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

export const MISFIRE_POLICIES = ["run_once", "skip", "run_all"] as const;

export const methodSchema = z
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

/** The most labels a task may carry. */
export const MAX_LABELS = 16;
/** A label key: lower-case letters, digits, `_`, `.` and `-`, starting with a letter or digit. */
export const LABEL_KEY = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
export const MAX_LABEL_VALUE_LENGTH = 128;
const LABEL_KEY_RULE = "must be 1-63 of a-z, 0-9, _ . - starting with a letter or digit";

/** A task's labels: key → value, for filtering lists and bulk actions. */
export const labelsSchema = z
  .record(z.string(), z.string().max(MAX_LABEL_VALUE_LENGTH))
  .superRefine((labels, ctx) => {
    const keys = Object.keys(labels);
    if (keys.length > MAX_LABELS) {
      ctx.addIssue({ code: "custom", message: `must have at most ${MAX_LABELS} entries` });
    }
    for (const key of keys) {
      if (!LABEL_KEY.test(key))
        ctx.addIssue({ code: "custom", path: [key], message: `key ${LABEL_KEY_RULE}` });
    }
  });

/**
 * A label filter of a query string, `key:value` (the value may be empty or hold colons), parsed
 * to a pair. Repeated parameters arrive as an array.
 */
export const labelFilterSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx) => {
    const pairs: [string, string][] = [];
    for (const text of Array.isArray(value) ? value : [value]) {
      const colon = text.indexOf(":");
      const key = colon < 0 ? text : text.slice(0, colon);
      if (colon < 0 || !LABEL_KEY.test(key)) {
        ctx.addIssue({
          code: "custom",
          message: `must be key:value, the key ${LABEL_KEY_RULE} (got ${JSON.stringify(text.slice(0, 80))})`,
        });
        return z.NEVER;
      }
      const labelValue = text.slice(colon + 1);
      if (labelValue.length > MAX_LABEL_VALUE_LENGTH) {
        ctx.addIssue({
          code: "custom",
          message: `value must be at most ${MAX_LABEL_VALUE_LENGTH} characters`,
        });
        return z.NEVER;
      }
      pairs.push([key, labelValue]);
    }
    if (pairs.length > MAX_LABELS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_LABELS} label filters` });
      return z.NEVER;
    }
    return pairs;
  });

/** When a task fires: exactly one of `at`, `delay`, `every`, `cron`, plus bounds. */
export const scheduleSchema = z
  .strictObject({
    at: timestampSchema.optional().meta({ description: "Once, at this instant" }),
    delay: durationSchema.optional().meta({ description: "Once, this long after the create" }),
    every: durationSchema.optional().meta({
      description: "Recurring on a grid of this interval (anchored at begins, or at the create)",
    }),
    cron: z.string().max(200).optional().meta({
      description: "5 fields, 6 with seconds first, 7 with a trailing year, or @hourly, @daily, …",
    }),
    timezone: z.string().max(100).optional().meta({
      description: "IANA zone the cron is read in; only with cron; default UTC",
    }),
    begins: timestampSchema.optional().meta({
      description: "No call before this instant; with every, the first call is at it",
    }),
    expires: timestampSchema.optional().meta({ description: "No call after this instant" }),
    occurrences: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .optional()
      .meta({ description: "Stop after this many calls (manual runs do not count)" }),
    misfire: z.enum(MISFIRE_POLICIES).optional().meta({
      description: "Calls missed while the task could not run: one catch-up, none, or all",
    }),
    catchup_window: durationSchema.optional().meta({
      description:
        "How late a grid point may be and still fire on its grid (default 60 s, at most 7 days)",
    }),
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
  attempts: z.number().int().min(1).max(10).optional().meta({
    description: "Total attempts per occurrence, the first included (1 = never retry)",
  }),
  backoff: durationSchema.optional().meta({
    description: "Delay before the first retry; doubles for each further one",
  }),
  max_backoff: durationSchema.optional().meta({
    description: "The longest delay between two attempts",
  }),
});

// Each field's description is what the OpenAPI document and /docs show for it.
const taskFields = {
  name: z.string().min(1).max(200).nullable().optional().meta({
    description: "A label for people; the list filters by its prefix",
  }),
  labels: labelsSchema.optional().meta({
    description:
      "Up to 16 key → value pairs (keys a-z 0-9 _ . -, values at most 128 characters) to filter lists and bulk actions by; a patch replaces them all",
  }),
  url: z.string().min(1).meta({
    description:
      "http(s), no credentials, at most 2048 characters; private addresses only where allowed",
  }),
  method: methodSchema.optional(),
  headers: stringMap.optional().meta({
    description:
      "Sent with every call; hop-by-hop, cf-*, webhook-* and belfry-* headers are refused",
  }),
  query: stringMap.optional().meta({ description: "Appended to the URL's own query" }),
  body: jsonValue.optional().meta({
    description:
      "A string is sent as-is (text/plain unless the headers say otherwise), any other JSON value as JSON. Not with GET or HEAD",
  }),
  schedule: scheduleSchema.meta({ description: "Exactly one of at, delay, every, cron" }),
  retry: retrySchema.optional().meta({
    description: "Attempts per occurrence and exponential backoff; default 3 attempts, 1s, 10m",
  }),
  timeout: durationSchema.optional().meta({ description: "Per attempt; default 30s, at most 10m" }),
  callback_url: z.string().min(1).nullable().optional().meta({
    description: "Receives a signed POST after each occurrence's final attempt",
  }),
  events_url: z.string().min(1).nullable().optional().meta({
    description: "Receives signed job.* lifecycle events",
  }),
  pause_after_failures: z.number().int().min(1).max(1000).nullable().optional().meta({
    description:
      "Pause the task after this many consecutive failed occurrences (final attempt failed); null or absent: never",
  }),
};

/** The body of POST /api/v1/tasks. */
export const createTaskSchema = z.strictObject({
  ...taskFields,
  idempotency_key: z.string().min(1).max(200).optional().meta({
    description: "A second create with the same key answers the first task",
  }),
});
export type CreateTaskInput = z.output<typeof createTaskSchema>;

/** The body of PATCH /api/v1/tasks/{id}: any definition field; `schedule` replaces the old one. */
export const patchTaskSchema = z.strictObject({
  ...taskFields,
  url: taskFields.url.optional(),
  schedule: taskFields.schedule.optional(),
});
export type PatchTaskInput = z.output<typeof patchTaskSchema>;
