import { Hono } from "hono";
import { z } from "zod";
import { invalidField } from "../core/errors";
import type { AttemptRecord } from "../core/history";
import type { ScheduleSpec } from "../core/schedule";
import { AT_SKEW_MS, type CreateOptions } from "../core/task-definition";
import { createTaskSchema, retrySchema, timestampSchema } from "../core/task-input";
import { FINISHED_STATES, type TaskSnapshot, type TaskState } from "../core/task-view";
import { MAX_COUNTED, MAX_OFFSET } from "../db/paged-queries";
import { requireApiKey } from "../http/auth";
import type { AppEnv } from "../http/context";
import { describeRoute } from "../http/route-doc";
import { jsonBody, parseOrThrow, validate } from "../http/validation";
import {
  createTask,
  deleteTask,
  getTask,
  listExecutionsByOffset,
  listTasksByOffset,
} from "../task/commands";
import { deletedTaskSchema } from "../wire/answers";
import { type FieldNames, inDialectTerms } from "./field-names";

/**
 * The Chronos dialect (docs/dialects.md): `/api/v1/chronos/tasks`. A Chronos schedule is a
 * 6-field cron whose last field is the year, read with AND day semantics, or an RFC 3339 instant.
 * Answers are bare objects, as in the document; errors keep Belfry's error envelope.
 */

// Go clients, which Chronos had, send null or "" for fields they leave unset.
const unset = (value: unknown) => (value === null || value === "" ? undefined : value);
const optionalText = (max: number) => z.preprocess(unset, z.string().max(max).optional());

/** The body of POST /api/v1/chronos/tasks. */
export const chronosTaskSchema = z.strictObject({
  /** The HTTP(S) URL to call. */
  url: z.string().min(1),
  /** `min hour dom mon dow year`, or an RFC 3339 instant for a one-time call. */
  schedule: z.string().trim().min(1).max(200),
  /** GET (the default), POST, PUT or DELETE. */
  method: optionalText(10),
  headers: z.preprocess(unset, z.record(z.string(), z.string()).optional()),
  /** The JSON body of a POST or PUT; ignored with GET and DELETE, as the document's calls were. */
  payload: z.json().nullish(),
  /** No call after this instant (recurring schedules only). */
  expires: optionalText(64),
  /** No call before this instant (recurring schedules only). */
  begins: optionalText(64),
  /** IANA zone the cron is read in, with its DST; UTC by default. */
  timezone: optionalText(100),
  /**
   * Not in the document, whose tasks make one call per occurrence: attempts per occurrence
   * (1 by default) and the backoff between them, as in the native API.
   */
  retry: z.preprocess(unset, retrySchema.optional()),
});
export type ChronosTaskInput = z.output<typeof chronosTaskSchema>;

/** Page and page size, as the document's lists take them. */
const pageFields = {
  page: z.coerce.number().int().min(1).default(1),
  // "default and max is 100": a larger per_page gets the largest page, as Chronos gave it.
  per_page: z.coerce
    .number()
    .int()
    .min(1)
    .default(100)
    .transform((n) => Math.min(n, 100)),
};

function boundedOffset(query: { page: number; per_page: number }, ctx: z.RefinementCtx): void {
  if ((query.page - 1) * query.per_page > MAX_OFFSET) {
    ctx.addIssue({
      code: "custom",
      path: ["page"],
      message: `must not start past row ${MAX_OFFSET}; narrow the list or use /api/v1/tasks`,
    });
  }
}

export const chronosListQuerySchema = z
  .strictObject({
    /** true: only inactive (finished) tasks; false: only active ones; absent: both. */
    inactive: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    ...pageFields,
  })
  .superRefine(boundedOffset);

export const chronosHistoryQuerySchema = z.strictObject(pageFields).superRefine(boundedOffset);

/** Chronos' names for the core fields its create body maps to, for error messages. */
const FIELD_NAMES: FieldNames = {
  body: "payload",
  "schedule.at": "schedule",
  "schedule.cron": "schedule",
  "schedule.timezone": "timezone",
  "schedule.begins": "begins",
  "schedule.expires": "expires",
};

const INACTIVE_STATES: TaskState[] = ["completed", "cancelled", "failed"];
const ACTIVE_STATES: TaskState[] = ["active", "paused"];

/** Chronos' cron fields in UTC for a minute: `min hour dom mon dow year`. */
function minuteCron(ms: number): string {
  const d = new Date(ms);
  return [
    d.getUTCMinutes(),
    d.getUTCHours(),
    d.getUTCDate(),
    d.getUTCMonth() + 1,
    d.getUTCDay(),
    d.getUTCFullYear(),
  ].join(" ");
}

/** A native create body and the options that give it Chronos' meaning. */
export interface NativeCreate {
  input: z.input<typeof createTaskSchema>;
  options: CreateOptions;
}

/** Translate a Chronos create body into the native one; throws a 400 naming a Chronos field. */
export function chronosToNative(req: ChronosTaskInput, now: number): NativeCreate {
  const method = req.method ?? "GET";
  // "the JSON payload that will be sent ... as the body of a POST or PUT request": with another
  // method the document sent none, so a payload there is ignored rather than refused.
  const withBody = /^(post|put)$/i.test(method.trim());
  const request = {
    url: req.url,
    method,
    ...(req.headers !== undefined && { headers: req.headers }),
    ...(withBody && req.payload != null && { body: req.payload }),
    // One call per occurrence, as the document's history shows, unless the request asks for more.
    retry: { attempts: 1, ...req.retry },
  };
  // Chronos evaluates crons with the year and AND day semantics, and keeps a task whose schedule
  // can never match again as an inactive task rather than refusing it.
  const cronOptions: CreateOptions = { dayMatch: "and", allowExhausted: true };
  const instant = timestampSchema.safeParse(req.schedule);
  if (instant.success) {
    for (const key of ["begins", "expires"] as const) {
      if (req[key] !== undefined) throw invalidField(key, "only valid with a cron schedule");
    }
    if (instant.data >= now - AT_SKEW_MS) {
      return { input: { ...request, schedule: { at: req.schedule } }, options: {} };
    }
    // The document calls a specific-enough cron and a timestamp two spellings of one schedule
    // (its list shows 2017-01-27T15:37:00-07:00 as "37 22 27 1 5 2017"). A past instant is
    // therefore taken as that cron, which can never match again: the task is created inactive,
    // like the cron spelling of the same instant, instead of being refused or fired late.
    return {
      input: { ...request, schedule: { cron: `0 ${minuteCron(instant.data)}`, timezone: "UTC" } },
      options: cronOptions,
    };
  }
  const fields = req.schedule.split(/\s+/);
  if (fields.length !== 6) {
    throw invalidField(
      "schedule",
      "must be a cron of 6 fields (minute hour day-of-month month day-of-week year) or an RFC 3339 timestamp",
    );
  }
  return {
    input: {
      ...request,
      schedule: {
        // Chronos has no seconds field: a match is at second 0 of its minute.
        cron: `0 ${fields.join(" ")}`,
        ...(req.timezone !== undefined && { timezone: req.timezone }),
        ...(req.begins !== undefined && { begins: req.begins }),
        ...(req.expires !== undefined && { expires: req.expires }),
      },
    },
    options: cronOptions,
  };
}

/** RFC 3339 in UTC, without fractions when there are none (`2017-06-02T04:08:49Z`). */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** The schedule as Chronos writes it. */
export function chronosSchedule(spec: ScheduleSpec): string {
  switch (spec.kind) {
    case "once":
      return rfc3339(spec.at);
    case "cron": {
      const fields = spec.cron.trim().split(/\s+/);
      // A Chronos cron is stored with a leading seconds field of 0; other crons (from the
      // native API) are shown as they were given.
      return fields.length === 7 && fields[0] === "0" ? fields.slice(1).join(" ") : spec.cron;
    }
    case "every":
      // Chronos has no interval schedules; this is the Go cron spelling of one.
      return `@every ${spec.every}ms`;
  }
}

/** A task in the document's shape: absent optional fields are left out, as in its list. */
export function chronosTaskView(snapshot: TaskSnapshot) {
  const { definition: d, progress: p } = snapshot;
  const spec = d.schedule;
  const bounds: { begins?: number; expires?: number } = spec.kind === "once" ? {} : spec;
  return {
    id: d.id,
    project_id: d.project_id,
    schedule: chronosSchedule(spec),
    url: d.url,
    method: d.method,
    ...(d.body !== undefined && { payload: d.body }),
    ...(Object.keys(d.headers).length > 0 && { headers: d.headers }),
    ...(bounds.expires !== undefined && { expires: rfc3339(bounds.expires) }),
    ...(bounds.begins !== undefined && { begins: rfc3339(bounds.begins) }),
    ...(spec.kind === "cron" && spec.timezone !== "UTC" && { timezone: spec.timezone }),
    created: new Date(d.created_at).toISOString(),
    inactive: FINISHED_STATES.has(p.state),
  };
}

/**
 * A header name in Go's canonical form (`content-type` → `Content-Type`), as the document's
 * history shows them; names with characters outside a token are left as they are, as Go does.
 */
export function canonicalHeaderName(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function canonicalHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const canonical = canonicalHeaderName(name);
    // Repeated names were already joined by the Fetch API; keep one value per canonical name.
    out[canonical] = out[canonical] === undefined ? value : `${out[canonical]}, ${value}`;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** One call in the document's history shape; `duration` in milliseconds. */
export function chronosHistoryRecord(a: AttemptRecord) {
  return {
    id: a.id,
    task_id: a.task_id,
    project_id: a.project_id,
    // The document's records carry Go's zero values: 0 when no answer came, "" for no error.
    status_code: a.status_code ?? 0,
    headers: canonicalHeaders(a.response.headers),
    body: a.response.body,
    successful: a.successful,
    error: a.error ?? "",
    duration: a.duration_ms,
    created: new Date(a.started_at).toISOString(),
  };
}

/** The document's page envelope. */
export function chronosPage<T>(
  query: { page: number; per_page: number },
  total: number,
  results: T[],
) {
  return {
    current_page: query.page,
    total_pages: Math.ceil(total / query.per_page),
    total_results: total,
    results,
  };
}

/**
 * How many calls a history holds, for its page envelope: the task's own count of calls (one
 * record each, unless the task retries), never less than the records already seen, and at most
 * MAX_COUNTED like every dialect total. Counting the records themselves would read them all.
 */
function historyTotal(
  snapshot: TaskSnapshot,
  query: { page: number; per_page: number },
  onPage: number,
): number {
  const seen = onPage > 0 ? (query.page - 1) * query.per_page + onPage : 0;
  return Math.min(Math.max(snapshot.progress.executions.total, seen), MAX_COUNTED);
}

const offsetOf = (q: { page: number; per_page: number }) => ({
  limit: q.per_page,
  offset: (q.page - 1) * q.per_page,
});

/** The Chronos routes, mounted at /api/v1/chronos. */
export const chronosRoutes = new Hono<AppEnv>();

chronosRoutes.use("*", requireApiKey);

// Chronos answers are bare objects in its document's shapes, which have no schema here.
const taskAnswer = { type: "object", description: "The task, as Chronos shows it" } as const;
const pageAnswer = {
  type: "object",
  description: "{current_page, total_pages, total_results, results}",
} as const;

chronosRoutes.post(
  "/tasks",
  describeRoute({
    operationId: "chronosCreateTask",
    tag: "Chronos",
    summary: "Create a task, Chronos style",
    description:
      "`schedule` is `min hour dom mon dow year` (day fields AND-ed) or an RFC 3339 instant; `payload` is the JSON body; the method defaults to GET.",
    answers: { 201: taskAnswer },
  }),
  jsonBody,
  validate("json", chronosTaskSchema),
  async (c) => {
    const { snapshot } = await inDialectTerms(FIELD_NAMES, () => {
      const { input, options } = chronosToNative(c.req.valid("json"), Date.now());
      return createTask(c.env, c.var.projectId, parseOrThrow(createTaskSchema, input), options);
    });
    return c.json(chronosTaskView(snapshot), 201);
  },
);

chronosRoutes.get(
  "/tasks",
  describeRoute({
    operationId: "chronosListTasks",
    tag: "Chronos",
    summary: "List tasks, Chronos style",
    answers: { 200: pageAnswer },
  }),
  validate("query", chronosListQuerySchema),
  async (c) => {
    const query = c.req.valid("query");
    const states =
      query.inactive === undefined ? undefined : query.inactive ? INACTIVE_STATES : ACTIVE_STATES;
    const page = await listTasksByOffset(c.env, c.var.projectId, {
      ...offsetOf(query),
      ...(states && { states }),
    });
    return c.json(chronosPage(query, page.total, page.results.map(chronosTaskView)));
  },
);

chronosRoutes.get(
  "/tasks/:id",
  describeRoute({
    operationId: "chronosGetTask",
    tag: "Chronos",
    summary: "Read a task, Chronos style",
    answers: { 200: taskAnswer },
  }),
  async (c) => {
    const snapshot = await getTask(c.env, c.var.projectId, c.req.param("id"));
    return c.json(chronosTaskView(snapshot));
  },
);

chronosRoutes.delete(
  "/tasks/:id",
  describeRoute({
    operationId: "chronosDeleteTask",
    tag: "Chronos",
    summary: "Cancel and remove a task",
    answers: { 200: { bare: deletedTaskSchema, description: "Removed" } },
  }),
  async (c) => {
    const { id } = await deleteTask(c.env, c.var.projectId, c.req.param("id"));
    return c.json({ id, deleted: true });
  },
);

chronosRoutes.get(
  "/tasks/:id/history",
  describeRoute({
    operationId: "chronosTaskHistory",
    tag: "Chronos",
    summary: "A task's attempts, Chronos style",
    answers: { 200: pageAnswer },
  }),
  validate("query", chronosHistoryQuerySchema),
  async (c) => {
    const query = c.req.valid("query");
    const id = c.req.param("id");
    const snapshot = await getTask(c.env, c.var.projectId, id);
    const results = await listExecutionsByOffset(c.env, c.var.projectId, id, offsetOf(query));
    return c.json(
      chronosPage(
        query,
        historyTotal(snapshot, query, results.length),
        results.map(chronosHistoryRecord),
      ),
    );
  },
);
