import { Hono } from "hono";
import { z } from "zod";
import { MAX_DURATION_MS, unitToMs } from "../core/duration";
import { BelfryError, invalidField } from "../core/errors";
import { idempotentTaskId } from "../core/keys";
import type { TaskDefinition } from "../core/task-definition";
import { commaSeparated, createTaskSchema } from "../core/task-input";
import type { TaskSnapshot, TaskState } from "../core/task-view";
import { MAX_OFFSET } from "../db/paged-queries";
import { requireApiKey } from "../http/auth";
import type { AppEnv } from "../http/context";
import { describeRoute } from "../http/route-doc";
import { jsonBody, parseOrThrow, validate } from "../http/validation";
import { changeTaskState, createTask, getTask, listTasksByOffset } from "../task/commands";
import { type JobRecord, jobRecords, jobsWithKey, numberJob, taskOfJobNumber } from "./booper-jobs";
import { type FieldNames, inDialectTerms } from "./field-names";

/**
 * The Booper dialect (docs/dialects.md): `/api/jobs`. Durations are seconds (or a
 * `[n, "unit"]` tuple); answers are `{data: …}` with the job in Oban's vocabulary.
 */

/** A number of seconds or a tuple such as [5, "minutes"]. */
const secondsSchema = z.union([z.number().min(0), z.tuple([z.number().min(0), z.string()])]);
const stringMap = z.record(z.string(), z.string());

/** The body of POST /api/jobs; null stands for an absent field. */
export const booperJobSchema = z
  .strictObject({
    /** get, post, put, patch or delete (any case); post by default. */
    method: z.string().nullish(),
    url: z.string().min(1),
    query: stringMap.nullish(),
    /** Passed through; may hold the dynamic fields $job, $state and $previous. */
    body: z.json().optional(),
    headers: stringMap.nullish(),
    name: z.string().min(1).max(200).nullish(),
    /** Kept with the job and shown back; no effect on the call. */
    description: z.string().max(2000).nullish(),
    /** Run this long from now. */
    schedule_in: secondsSchema.nullish(),
    /** Run at this instant: a datetime string or unix seconds. */
    scheduled_at: z.union([z.string().max(64), z.number()]).nullish(),
    /** Repeat on this interval. */
    repeat_every: secondsSchema.nullish(),
    /** Repeat on this cron (5 fields, UTC). */
    cron: z.string().max(200).nullish(),
    /** A second job with this key, before the first one has run, returns the first. */
    idempotency_key: z.string().min(1).max(200).nullish(),
    /** Receives each run's result. */
    callback_url: z.string().min(1).nullish(),
    /** Receives the job events (job.started, job.request, job.response, job.finished, job.error). */
    webhook_url: z.string().min(1).nullish(),
  })
  .superRefine((job, ctx) => {
    for (const [a, b] of [
      ["schedule_in", "scheduled_at"],
      ["repeat_every", "cron"],
    ] as const) {
      if (job[a] != null && job[b] != null) {
        ctx.addIssue({ code: "custom", path: [b], message: `use either ${a} or ${b}, not both` });
      }
    }
  });
export type BooperJobInput = z.output<typeof booperJobSchema>;

/**
 * Oban's job states, as Booper shows them, for Belfry's task states. A pending job reads
 * `available`, as in the document's example of a job due in 30 seconds.
 */
export const JOB_STATE: Record<TaskState, string> = {
  active: "available",
  paused: "available",
  completed: "completed",
  cancelled: "cancelled",
  failed: "discarded",
};
/** The states the list filter takes; `scheduled`, Oban's word for a job due later, is `available`. */
const JOB_STATES = ["available", "scheduled", "completed", "cancelled", "discarded"] as const;

export const booperListQuerySchema = z.strictObject({
  /** Comma-separated job states: available (or scheduled), completed, cancelled, discarded. */
  state: commaSeparated(JOB_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
});

/** Booper's names for the core fields its job body maps to, for error messages. */
const FIELD_NAMES: FieldNames = {
  "schedule.delay": "schedule_in",
  "schedule.at": "scheduled_at",
  "schedule.begins": "scheduled_at",
  "schedule.every": "repeat_every",
  "schedule.cron": "cron",
  events_url: "webhook_url",
};

function secondsToMs(field: string, value: z.output<typeof secondsSchema>): number {
  let ms: number;
  if (typeof value === "number") {
    ms = Math.round(value * 1000);
  } else {
    const converted = unitToMs(value[0], value[1]);
    if (converted === null) throw invalidField(field, `unknown unit ${JSON.stringify(value[1])}`);
    ms = converted;
  }
  // Checked here as well as by the core, since a start time is computed from it first.
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw invalidField(field, "must be at most 10 years");
  }
  return ms;
}

// Oban writes naive UTC datetimes ("2023-09-01T18:25:49"); Booper clients may send them back.
const NAIVE_DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/** A datetime string (naive ones read as UTC) or unix seconds, as the core's instant. */
function instantOf(value: string | number): string | number {
  if (typeof value === "number") return value;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  return NAIVE_DATETIME.test(value) ? `${value}Z` : value;
}

/** Translate a Booper job into the native create body; throws a 400 naming a Booper field. */
export function booperToNative(job: BooperJobInput, now: number): z.input<typeof createTaskSchema> {
  const delay = job.schedule_in != null ? secondsToMs("schedule_in", job.schedule_in) : undefined;
  const start =
    job.scheduled_at != null
      ? instantOf(job.scheduled_at)
      : delay !== undefined
        ? new Date(now + delay).toISOString()
        : undefined;
  let schedule: z.input<typeof createTaskSchema>["schedule"];
  if (job.repeat_every != null || job.cron != null) {
    // A recurring job with a start time first runs then; the core calls that `begins`.
    schedule = {
      ...(job.repeat_every != null
        ? { every: secondsToMs("repeat_every", job.repeat_every) }
        : { cron: job.cron ?? "" }),
      ...(start !== undefined && { begins: start }),
    };
  } else if (job.scheduled_at != null) {
    schedule = { at: instantOf(job.scheduled_at) };
  } else {
    // A job without a time runs now, as an Oban job inserted without one does.
    schedule = { delay: delay ?? 0 };
  }
  return {
    url: job.url,
    method: job.method ?? "post",
    schedule,
    ...(job.name != null && { name: job.name }),
    ...(job.headers != null && { headers: job.headers }),
    ...(job.query != null && { query: job.query }),
    ...(job.body !== undefined && job.body !== null && { body: job.body }),
    ...(job.idempotency_key != null && { idempotency_key: job.idempotency_key }),
    ...(job.callback_url != null && { callback_url: job.callback_url }),
    ...(job.webhook_url != null && { events_url: job.webhook_url }),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** Oban's naive UTC datetime to the second, as the document's top-level `inserted_at`. */
const naive = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** Keys in alphabetical order, as Booper (an Elixir service) wrote its maps. */
function sorted(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The job's arguments read back from the task: times as instants, durations in seconds. */
export function booperArgs(d: TaskDefinition): Record<string, unknown> {
  const spec = d.schedule;
  return sorted({
    ...(d.body !== undefined && { body: d.body }),
    headers: d.headers,
    method: d.method.toLowerCase(),
    ...(Object.keys(d.query).length > 0 && { query: d.query }),
    ...(spec.kind === "once" && { scheduled_at: iso(spec.at) }),
    ...(spec.kind === "every" && { repeat_every: spec.every / 1000 }),
    ...(spec.kind === "cron" && { cron: spec.cron }),
    ...(spec.kind !== "once" && spec.begins !== undefined && { scheduled_at: iso(spec.begins) }),
    url: d.url,
    ...(d.idempotency_key !== null && { idempotency_key: d.idempotency_key }),
    ...(d.callback_url !== null && { callback_url: d.callback_url }),
    ...(d.events_url !== null && { webhook_url: d.events_url }),
  });
}

/** The job's arguments as the create request sent them (null fields left out), headers {} by default. */
export function booperArgsAsSent(job: BooperJobInput): Record<string, unknown> {
  const sent = Object.entries(job).filter(([, v]) => v !== null && v !== undefined);
  return sorted({ headers: {}, ...Object.fromEntries(sent) });
}

/** A job in the document's `data` shape; `args` defaults to the arguments read back. */
export function booperJobView(
  snapshot: TaskSnapshot,
  record: JobRecord,
  args = booperArgs(snapshot.definition),
) {
  const { definition: d, progress: p } = snapshot;
  const finishedAt = iso(p.finished_at);
  const scheduledAt = p.next_run_at ?? (d.schedule.kind === "once" ? d.schedule.at : null);
  return {
    id: d.id,
    idempotency_key: d.idempotency_key,
    inserted_at: naive(d.created_at),
    name: d.name,
    description: record.description,
    user_id: d.project_id,
    // A recurring job is its own schedule; a one-time job has none.
    schedule_id: d.schedule.kind === "once" ? null : d.id,
    job_id: record.number,
    job: {
      attempted_at: iso(p.last_run_at),
      cancelled_at: p.state === "cancelled" ? finishedAt : null,
      completed_at: p.state === "completed" ? finishedAt : null,
      discarded_at: p.state === "failed" ? finishedAt : null,
      has_confict: false,
      id: record.number,
      inserted_at: iso(d.created_at),
      scheduled_at: iso(scheduledAt ?? p.last_run_at),
      state: JOB_STATE[p.state],
    },
    args,
  };
}

const STATES_OF_JOB_STATE = (jobStates: ReadonlyArray<string>): TaskState[] => {
  const wanted = jobStates.map((s) => (s === "scheduled" ? "available" : s));
  return (Object.keys(JOB_STATE) as TaskState[]).filter((s) => wanted.includes(JOB_STATE[s]));
};

/**
 * The job an idempotency key still holds: the latest job made with it, while that job is
 * pending and has not run. "If multiple jobs are scheduled with the same idempotency_key before
 * one of them is executed, every job but the first one will be ignored" — after it ran (or
 * ended without running), the key is free again.
 */
async function jobHeldByKey(env: Env, projectId: string, taskId: string) {
  try {
    const snapshot = await getTask(env, projectId, taskId);
    const { state, last_run_at } = snapshot.progress;
    return (state === "active" || state === "paused") && last_run_at === null ? snapshot : null;
  } catch (error) {
    if (error instanceof BelfryError && error.code === "not_found") return null;
    throw error;
  }
}

/** The task a job id names: an integer job id, or the task's own id. */
async function taskIdOf(env: Env, projectId: string, id: string): Promise<string> {
  if (!/^\d{1,15}$/.test(id)) return id;
  const taskId = await taskOfJobNumber(env.DB, projectId, Number(id));
  if (taskId === null) throw new BelfryError("not_found", "task not found");
  return taskId;
}

/** A job with its record, numbering a task made elsewhere the first time it is shown. */
async function jobView(env: Env, snapshot: TaskSnapshot) {
  const records = await jobRecords(env.DB, snapshot.definition.project_id, [
    snapshot.definition.id,
  ]);
  const record = records.get(snapshot.definition.id);
  if (!record) throw new Error(`no job record for task ${snapshot.definition.id}`);
  return booperJobView(snapshot, record);
}

/** The Booper routes, mounted at /api/jobs. */
export const booperRoutes = new Hono<AppEnv>();

booperRoutes.use("*", requireApiKey);

// Booper answers are `{data: …}` in its document's shapes, which have no schema here.
const jobAnswer = { type: "object", description: "{data: job}" } as const;

booperRoutes.post(
  "/",
  describeRoute({
    operationId: "booperCreateJob",
    tag: "Booper",
    summary: "Create a job, Booper style",
    description:
      '`schedule_in` and `repeat_every` are seconds or `[n, "unit"]`; `scheduled_at` a datetime or unix seconds; `webhook_url` receives the job events.',
    answers: {
      201: jobAnswer,
      200: {
        type: "object",
        description: "{data: job} of the job an earlier create with this idempotency_key made",
      },
    },
  }),
  jsonBody,
  validate("json", booperJobSchema),
  async (c) => {
    const job = c.req.valid("json");
    const { projectId } = c.var;
    const key = job.idempotency_key ?? null;
    let taskId: string | undefined;
    if (key !== null) {
      const { latest, used } = await jobsWithKey(c.env.DB, projectId, key);
      const held = latest === null ? null : await jobHeldByKey(c.env, projectId, latest);
      if (held) return c.json({ data: await jobView(c.env, held) }, 200);
      // Each job a key makes has its own id, derived from the key and how many came before, so
      // two creates racing with one key reach the same task object and make one job.
      taskId = await idempotentTaskId(projectId, `booper\n${key}\n${used}`);
    }
    const { snapshot, created } = await inDialectTerms(FIELD_NAMES, () =>
      createTask(
        c.env,
        projectId,
        parseOrThrow(createTaskSchema, booperToNative(job, Date.now())),
        taskId === undefined ? {} : { taskId },
      ),
    );
    const record = await numberJob(c.env.DB, {
      projectId,
      taskId: snapshot.definition.id,
      idempotencyKey: key,
      description: job.description ?? null,
    });
    // A replayed idempotency key returns the first job, with its own arguments.
    const args = created ? booperArgsAsSent(job) : booperArgs(snapshot.definition);
    return c.json({ data: booperJobView(snapshot, record, args) }, created ? 201 : 200);
  },
);

booperRoutes.get(
  "/",
  describeRoute({
    operationId: "booperListJobs",
    tag: "Booper",
    summary: "List jobs, Booper style",
    answers: { 200: { type: "object", description: "{data: [job]}" } },
  }),
  validate("query", booperListQuerySchema),
  async (c) => {
    const query = c.req.valid("query");
    const page = await listTasksByOffset(c.env, c.var.projectId, {
      limit: query.limit,
      offset: query.offset,
      ...(query.state && { states: STATES_OF_JOB_STATE(query.state) }),
    });
    const ids = page.results.map((s) => s.definition.id);
    const records = await jobRecords(c.env.DB, c.var.projectId, ids);
    const data = page.results.flatMap((s) => {
      const record = records.get(s.definition.id);
      return record ? [booperJobView(s, record)] : [];
    });
    return c.json({ data });
  },
);

booperRoutes.get(
  "/:id",
  describeRoute({
    operationId: "booperGetJob",
    tag: "Booper",
    summary: "Read a job",
    answers: { 200: jobAnswer },
  }),
  async (c) => {
    const id = await taskIdOf(c.env, c.var.projectId, c.req.param("id"));
    return c.json({ data: await jobView(c.env, await getTask(c.env, c.var.projectId, id)) });
  },
);

booperRoutes.post(
  "/:id/cancel",
  describeRoute({
    operationId: "booperCancelJob",
    tag: "Booper",
    summary: "Cancel a job",
    answers: { 200: jobAnswer },
    errors: [409],
  }),
  async (c) => {
    const id = await taskIdOf(c.env, c.var.projectId, c.req.param("id"));
    const snapshot = await changeTaskState(c.env, c.var.projectId, id, "cancel");
    return c.json({ data: await jobView(c.env, snapshot) });
  },
);
