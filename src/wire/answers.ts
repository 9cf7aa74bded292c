import { z } from "zod";
import { ALERT_EVENTS } from "../core/alerts";
import { ERROR_CODES } from "../core/errors";
import type { AttemptView, ProjectAttemptView } from "../core/history";
import { METHODS, MISFIRE_POLICIES } from "../core/task-input";
import {
  PAUSE_REASONS,
  TASK_STATES,
  TASK_STATUSES,
  type TaskState,
  type TaskView,
} from "../core/task-view";

/**
 * The shapes Belfry answers with, as zod schemas: the one home of the wire vocabulary (pages,
 * envelopes, lifecycle actions) for the routes, the OpenAPI document, the service binding and
 * the typed client. The answers themselves are built by `taskView` and `attemptView`; the type
 * checks at the end of this file keep these schemas field for field in step with those
 * functions, and test/api/openapi.test.ts parses real answers with them.
 */

/** The lifecycle actions of a task: POST /api/v1/tasks/{id}/{action}. */
export const LIFECYCLE_ACTIONS = ["pause", "resume", "cancel", "run"] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/** Any JSON value (a task's body, a response body). */
export const jsonValueSchema = z.json();

const instant = z.string().meta({ description: "ISO 8601, UTC, with milliseconds" });

const counts = z.strictObject({
  total: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
});

/** The schedule as a create body would state it; only the fields of its one form appear. */
const scheduleViewSchema = z
  .strictObject({
    at: instant.optional(),
    every: z.number().int().meta({ description: "milliseconds" }).optional(),
    cron: z.string().optional(),
    timezone: z.string().optional(),
    begins: instant.optional(),
    expires: instant.optional(),
    occurrences: z.number().int().optional(),
    misfire: z.enum(MISFIRE_POLICIES).optional(),
  })
  .meta({ description: "The schedule in create-body form (`delay` reads back as `at`)" });

export const taskViewSchema = z.strictObject({
  id: z.string(),
  status: z.enum(TASK_STATUSES).meta({
    description: "running (active, paused), completed (completed, cancelled), error (failed)",
  }),
  progress: z.number().int().min(0).max(100),
  message: z.string().meta({ description: "One human sentence about where the task stands" }),
  data: z
    .strictObject({
      executions: counts,
      last_response: z
        .strictObject({ status_code: z.number().int().nullable(), body: z.unknown() })
        .nullable(),
    })
    .nullable()
    .meta({ description: "null while running" }),
  state: z.enum(TASK_STATES),
  name: z.string().nullable(),
  labels: z.record(z.string(), z.string()).meta({ description: "Key → value; {} when none" }),
  url: z.string(),
  method: z.enum(METHODS),
  headers: z.record(z.string(), z.string()),
  query: z.record(z.string(), z.string()),
  /** null when the task sends no body. */
  body: jsonValueSchema,
  schedule: scheduleViewSchema,
  retry: z.strictObject({
    attempts: z.number().int(),
    backoff: z.number().int().meta({ description: "milliseconds" }),
    max_backoff: z.number().int().meta({ description: "milliseconds" }),
  }),
  timeout: z.number().int().meta({ description: "milliseconds" }),
  callback_url: z.string().nullable(),
  events_url: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  pause_after_failures: z.number().int().nullable().meta({
    description: "Consecutive failed occurrences after which the task is paused; null: never",
  }),
  consecutive_failures: z.number().int().min(0).meta({
    description: "Occurrences in a row whose final attempt failed; 0 after a success or a resume",
  }),
  paused_reason: z.enum(PAUSE_REASONS).nullable().meta({
    description:
      "While paused: user (paused by a request) or failures (by pause_after_failures); null otherwise",
  }),
  next_run_at: instant.nullable(),
  upcoming: z.array(instant).meta({
    description: "The next 5 planned grid points (fewer near the end; none unless active)",
  }),
  last_run_at: instant.nullable(),
  executions: counts,
  created_at: instant,
  updated_at: instant,
});

export const attemptViewSchema = z.strictObject({
  id: z.string().meta({ description: "execution_id:attempt" }),
  execution_id: z.string().meta({ description: "Shared by the retries of one occurrence" }),
  task_id: z.string(),
  project_id: z.string(),
  number: z.number().int().min(1).meta({ description: "Occurrence number, 1-based" }),
  attempt: z.number().int().min(1),
  scheduled_at: instant,
  started_at: instant,
  duration_ms: z.number(),
  lateness_ms: z.number(),
  status_code: z.number().int().nullable(),
  successful: z.boolean(),
  error: z.string().nullable(),
  response: z.strictObject({
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    truncated: z.boolean().meta({ description: "true when the body was cut at 16 KiB" }),
  }),
  final: z.boolean().meta({ description: "true for the last attempt of its occurrence" }),
});

/** A keyset page: pass `next_cursor` back as `cursor`; null on the last page. */
function page<T extends z.ZodType>(item: T) {
  return z.strictObject({
    results: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: "Pass back as `cursor` for the next page; null on the last page" }),
  });
}
/** One keyset page of `T`s, as every native list answers. */
export type Page<T> = { results: T[]; next_cursor: string | null };
export const taskPageSchema = page(taskViewSchema);
export const attemptPageSchema = page(attemptViewSchema);
/** An attempt of the project-wide history (GET /api/v1/executions): with its task's name. */
export const projectAttemptViewSchema = attemptViewSchema.extend({
  task_name: z.string().nullable().meta({ description: "The task's name now; null without one" }),
});
export const projectAttemptPageSchema = page(projectAttemptViewSchema);

export const deletedTaskSchema = z.strictObject({ id: z.string(), deleted: z.literal(true) });

export const createdProjectSchema = z.strictObject({
  project: z.strictObject({ id: z.string(), name: z.string(), created_at: instant }),
  api_key: z.string().meta({ description: "Shown once" }),
  key_id: z.string(),
  signing_secret: z.string().meta({ description: "whsec_…; shown once" }),
});

export const issuedKeySchema = z.strictObject({
  key_id: z.string(),
  api_key: z.string().meta({ description: "Shown once" }),
});

export const revokedKeySchema = z.strictObject({ key_id: z.string(), revoked: z.literal(true) });

export const rotatedSecretSchema = z.strictObject({
  signing_secret: z.string().meta({ description: "Shown once" }),
  previous_valid_until: instant.nullable().meta({
    description:
      "Until then the old secret signs alongside the new one; null when it ended at once (keep_previous: false)",
  }),
});

/** How far back GET /api/v1/stats counts executions. */
export const STATS_WINDOW_NAMES = ["1h", "24h", "7d"] as const;
export type StatsWindow = (typeof STATS_WINDOW_NAMES)[number];

export const statsSchema = z.strictObject({
  window: z.enum(STATS_WINDOW_NAMES),
  tasks: z.strictObject(
    Object.fromEntries(TASK_STATES.map((s) => [s, z.number().int().min(0)])) as Record<
      TaskState,
      z.ZodNumber
    >,
  ),
  executions: counts,
  lateness_ms: z
    .strictObject({ p50: z.number().nullable(), p99: z.number().nullable() })
    .meta({ description: "Of first attempts, to the histogram's bucket; null when none ran" }),
});

export type ProjectStats = z.output<typeof statsSchema>;

export const schedulePreviewSchema = z.strictObject({
  runs: z.array(instant).meta({
    description: "The grid points the schedule fires at, oldest first; fewer when it runs out",
  }),
});

export type SchedulePreview = z.output<typeof schedulePreviewSchema>;
/** A replay's new execution: POST /api/v1/tasks/{id}/executions/{execution_id}/replay. */
export const replayedExecutionSchema = z.strictObject({
  task_id: z.string(),
  execution_id: z.string().meta({ description: "The new execution's id (its webhook-id)" }),
  number: z.number().int().min(1).meta({ description: "The new execution's number" }),
  replay_of: z.string().meta({ description: "The execution sent again (Belfry-Replay-Of)" }),
  scheduled_at: instant.meta({ description: "When the replay was queued: now" }),
});
export type ReplayedExecutionView = z.output<typeof replayedExecutionSchema>;

/** A project's alert destination, as GET and PUT /api/v1/alerts answer it. */
export const alertDestinationViewSchema = z.strictObject({
  url: z.string(),
  events: z.array(z.enum(ALERT_EVENTS)).meta({ description: "The alerts sent to url" }),
});

export const removedAlertsSchema = z.strictObject({
  removed: z.boolean().meta({ description: "false when the project had no alert destination" }),
});

export const bulkResultSchema = z.strictObject({
  matched: z.number().int().min(0).meta({ description: "Tasks the filter matched on this page" }),
  changed: z.number().int().min(0).meta({
    description: "Tasks the action changed (a task already paused does not change when paused)",
  }),
  failed: z
    .array(z.strictObject({ id: z.string(), error: z.string() }))
    .meta({ description: "Tasks the action's rule refused, or ids asked for that do not exist" }),
  next_cursor: z.string().nullable().meta({
    description: "Pass back as `cursor` to act on the next page; null when none is left",
  }),
});
export type BulkResult = z.output<typeof bulkResultSchema>;

export const healthSchema = z.strictObject({ ok: z.literal(true), version: z.string() });

/** The success envelope around a payload. */
export function successEnvelope<T extends z.ZodType>(payload: T) {
  return z.strictObject({ status: z.literal("success"), payload });
}

export const errorEnvelopeSchema = z.strictObject({
  status: z.literal("error"),
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string().meta({ description: "Names the offending field first, when there is one" }),
    details: z.array(z.strictObject({ path: z.string(), message: z.string() })),
  }),
});
/** What a refused request answers. */
export type ErrorEnvelope = z.output<typeof errorEnvelopeSchema>;

// Compile-time guards: a field added to, renamed in or retyped in taskView or attemptView
// without this file following fails `tsc` here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Describes<Schema extends z.ZodType, View> =
  Same<keyof z.output<Schema>, keyof View> extends true
    ? z.output<Schema> extends View
      ? true
      : false
    : false;
const taskSchemaMatches: Describes<typeof taskViewSchema, TaskView> = true;
const attemptSchemaMatches: Describes<typeof attemptViewSchema, AttemptView> = true;
const projectAttemptSchemaMatches: Describes<typeof projectAttemptViewSchema, ProjectAttemptView> =
  true;
void [taskSchemaMatches, attemptSchemaMatches, projectAttemptSchemaMatches];
