import { z } from "zod";
import { readConfig as config } from "../config";
import { BelfryError, fromSerialized, invalidField } from "../core/errors";
import type { AttemptRecord, ProjectAttemptRecord } from "../core/history";
import { base64url, constantTimeEqual, idempotentTaskId, TASK_ID_PATTERN } from "../core/keys";
import { previewSchedule, type SchedulePreviewRequest } from "../core/schedule-preview";
import { buildDefinition, type CreateOptions } from "../core/task-definition";
import {
  type CreateTaskInput,
  commaSeparated,
  labelFilterSchema,
  type PatchTaskInput,
} from "../core/task-input";
import {
  STATES_BY_STATUS,
  TASK_STATES,
  TASK_STATUSES,
  type TaskSnapshot,
  type TaskState,
} from "../core/task-view";
import { type Database, database } from "../db/client";
import { type Page, pageTasks } from "../db/paged-queries";
import { findTaskAccess } from "../db/task-access";
import {
  findIndexedTask,
  listIndexedTaskIds,
  listIndexedTasks,
  listLiveTaskIds,
  type TaskFilter,
  type TaskListQuery,
} from "../db/task-index";
import { findTaskNames } from "../db/task-names";
import type { PendingChunk } from "../history/outbox";
import {
  listProjectAttempts,
  listTaskAttempts,
  pageTaskAttempts,
  type TaskHistory,
} from "../history/reader";
import { historyShards, shardFor } from "../history/shards";
import { readProjectStats } from "../history/stats";
import { meter } from "../metering";
import { taskObject } from "../task-address";
import { type LifecycleAction, type ProjectStats, STATS_WINDOW_NAMES } from "../wire/answers";
import { checkCreateBudgets, checkPatchBudget } from "./budgets";
import type { ReplayedExecution, TaskResult } from "./task-object";

export type { LifecycleAction };

/**
 * The core commands every interface shares — the native API, the dialects and the service
 * binding. They take a project id that the caller has already authenticated.
 */

/**
 * Await a TaskObject call and unwrap its result. RPC's generated types cannot express the
 * `unknown` JSON a task body may hold, so the object's own method signature names `T`.
 */
async function unwrap<T>(call: Promise<unknown>): Promise<T> {
  const result = (await call) as TaskResult<T>;
  if (!result.ok) throw fromSerialized(result.error);
  return result.value;
}

function taskStub(env: Env, id: string) {
  if (!TASK_ID_PATTERN.test(id)) throw new BelfryError("not_found", "task not found");
  return taskObject(env, id);
}

/** How an interface may create differently: the core's options, plus an id chosen in advance. */
export interface CreateTaskOptions extends CreateOptions {
  /**
   * The new task's id, when the caller must know it before the create (e.g. to write links
   * into the body): a fresh `crypto.randomUUID()`. With an idempotency key, the caller has
   * derived the id from the key by its own rule (Booper's key holds only until its job ran) and
   * the key is only recorded; a create for an id that exists returns that task.
   */
  taskId?: string;
}

/** Create a task; a replayed idempotency key returns the first task with `created: false`. */
export async function createTask(
  env: Env,
  projectId: string,
  input: CreateTaskInput,
  options: CreateTaskOptions = {},
) {
  const id =
    options.taskId ??
    (input.idempotency_key
      ? await idempotentTaskId(projectId, input.idempotency_key)
      : crypto.randomUUID());
  if (input.idempotency_key && options.taskId === undefined) {
    // A replay answers with the first task even when the request would no longer validate
    // (an `at` that has passed since): it creates nothing.
    const existing = (await taskStub(env, id).read(projectId)) as TaskResult<TaskSnapshot>;
    if (existing.ok) return { snapshot: existing.value, created: false };
  }
  const def = buildDefinition(input, { id, projectId }, Date.now(), config(env), options);
  def.shard = shardFor(id, historyShards(env).length);
  await checkCreateBudgets(env, def, input.idempotency_key !== undefined);
  return unwrap<{ snapshot: TaskSnapshot; created: boolean }>(taskStub(env, id).create(def));
}

/**
 * The project of the task that `token` (its access token) authorises, for links that work
 * without an API key. Read from the task index, so a wrong id or token wakes no object. Throws
 * a 404 for a wrong token, as for a missing task.
 */
export async function projectForToken(env: Env, id: string, token: string): Promise<string> {
  const notFound = new BelfryError("not_found", "task not found");
  if (!TASK_ID_PATTERN.test(id)) throw notFound;
  meter("d1_credential_lookups");
  const access = await findTaskAccess(env.DB, id);
  if (!access?.token || !constantTimeEqual(access.token, token)) throw notFound;
  return access.projectId;
}

/** One task, read live from its object. */
export async function getTask(env: Env, projectId: string, id: string): Promise<TaskSnapshot> {
  return unwrap<TaskSnapshot>(taskStub(env, id).read(projectId));
}

/** Change a task's definition. */
export async function updateTask(env: Env, projectId: string, id: string, patch: PatchTaskInput) {
  await checkPatchBudget(env, projectId, id, patch);
  return unwrap<TaskSnapshot>(taskStub(env, id).update(projectId, patch, config(env)));
}

/** Pause, resume, cancel or run a task now. */
export async function changeTaskState(
  env: Env,
  projectId: string,
  id: string,
  action: LifecycleAction,
): Promise<TaskSnapshot> {
  const stub = taskStub(env, id);
  return unwrap<TaskSnapshot>(stub[action](projectId));
}

/** Cancel a task and remove it; its history stays until retention. */
export async function deleteTask(env: Env, projectId: string, id: string) {
  return unwrap<{ id: string }>(taskStub(env, id).remove(projectId));
}

/** The grid points a task created now (or at `from`) with this schedule would call at. */
export function previewTaskSchedule(env: Env, request: SchedulePreviewRequest): number[] {
  return previewSchedule(request, Date.now(), config(env));
}

/** Keyset cursors are opaque to callers: base64url JSON of the last row's sort key. */
export function encodeCursor(key: readonly (number | string)[]): string {
  return base64url(new TextEncoder().encode(JSON.stringify(key)));
}

/** Decode a cursor from `encodeCursor` as `schema` says, or throw a 400 naming `cursor`. */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    return schema.parse(JSON.parse(json));
  } catch {
    throw invalidField("cursor", "is not a cursor returned by this API");
  }
}

/** The keyset position of a task page: its last row's (created_at, id). */
const cursorSchema = z.tuple([z.number().int(), z.string().max(100)]);

/**
 * One page of the task index, newest first, from `cursor` (a task page's `next_cursor`) on:
 * `list` reads the rows of `filter`, and one beyond `limit` tells whether there are more.
 */
export async function taskIndexPage<R extends { createdAt: number; id: string }>(
  env: Env,
  list: (db: Database, query: TaskListQuery) => Promise<R[]>,
  filter: TaskFilter,
  limit: number,
  cursor: string | undefined,
): Promise<{ rows: R[]; next_cursor: string | null }> {
  const after = cursor ? decodeCursor(cursor, cursorSchema) : undefined;
  const rows = await list(database(env.DB), {
    ...filter,
    limit,
    ...(after && { after: { createdAt: after[0], id: after[1] } }),
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    next_cursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null,
  };
}

/** Filters of the task list. */
export const listTasksQuerySchema = z.strictObject({
  /** Comma-separated states. */
  state: commaSeparated(TASK_STATES).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  /** Name prefix. */
  name: z.string().max(200).optional(),
  label: labelFilterSchema.optional().meta({
    description: "key:value; repeat for more labels, all of which must match",
  }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional(),
});
export type ListTasksQuery = z.output<typeof listTasksQuerySchema>;

/** A page of a project's tasks, newest first. */
export async function listTasks(env: Env, projectId: string, query: ListTasksQuery) {
  let states: TaskState[] | undefined = query.state;
  if (query.status) {
    const byStatus = STATES_BY_STATUS[query.status];
    states = states ? states.filter((s) => byStatus.includes(s)) : byStatus;
  }
  const { rows, next_cursor } = await taskIndexPage(
    env,
    listIndexedTasks,
    {
      projectId,
      ...(states && { states }),
      ...(query.name !== undefined && { namePrefix: query.name }),
      ...(query.label && { labels: query.label }),
    },
    query.limit,
    query.cursor,
  );
  return { results: rows.map((r) => r.snapshot), next_cursor };
}

/** Filters of a task's execution list. */
export const listExecutionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional(),
  successful: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});
export type ListExecutionsQuery = z.output<typeof listExecutionsQuerySchema>;

/** The window of a project's stats. */
export const statsQuerySchema = z.strictObject({
  window: z
    .enum(STATS_WINDOW_NAMES)
    .default("24h")
    .meta({ description: "How far back executions are counted" }),
});

/** The project's tasks by state, and its executions and lateness over a window. */
export function projectStats(
  env: Env,
  projectId: string,
  query: z.output<typeof statsQuerySchema>,
): Promise<ProjectStats> {
  return readProjectStats(env, projectId, query.window, Date.now());
}

/**
 * Where a task's history is: its latest incarnation and shard, or a 404 when the project has
 * no such task (deleted tasks included, their history stays until they expire).
 */
async function historyOf(db: Database, projectId: string, taskId: string): Promise<TaskHistory> {
  const row = TASK_ID_PATTERN.test(taskId) ? await findIndexedTask(db, projectId, taskId) : null;
  if (!row) throw new BelfryError("not_found", "task not found");
  return { taskId, projectId, createdAt: row.createdAt, shard: row.shard ?? 0 };
}

/**
 * The attempts a task's object holds that may not be in D1 yet, so a task's history reads
 * current (docs/api.md). Best effort: an object that cannot answer leaves D1's alone.
 */
async function heldAttempts(env: Env, task: TaskHistory): Promise<PendingChunk[]> {
  try {
    const held = await taskStub(env, task.taskId).pendingAttempts(task.createdAt);
    return JSON.parse(held) as PendingChunk[];
  } catch (error) {
    console.warn(JSON.stringify({ event: "held_attempts_failed", error: String(error) }));
    return [];
  }
}

/** A page of one task's attempts, newest first. */
export async function listExecutions(
  env: Env,
  projectId: string,
  taskId: string,
  query: ListExecutionsQuery,
): Promise<{ results: AttemptRecord[]; next_cursor: string | null }> {
  const task = await historyOf(database(env.DB), projectId, taskId);
  const after = query.cursor ? decodeCursor(query.cursor, cursorSchema) : undefined;
  const { attempts, more } = await listTaskAttempts(
    env,
    task,
    {
      limit: query.limit,
      ...(query.successful !== undefined && { successful: query.successful }),
      ...(after && { before: after[0] }),
    },
    await heldAttempts(env, task),
  );
  const last = attempts.at(-1);
  return {
    results: attempts.map((a) => a.record),
    next_cursor: more && last ? encodeCursor([last.ordinal, taskId]) : null,
  };
}

const timestampQuery = z.union([
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z
    .string()
    .regex(/^\d{1,13}$/)
    .transform((s) => Number(s) * 1000),
]);

/** Filters of the project-wide execution list. */
export const listProjectExecutionsQuerySchema = listExecutionsQuerySchema.extend({
  task_id: z.string().regex(TASK_ID_PATTERN, "must be a task id").optional(),
  label: labelFilterSchema.optional().meta({
    description:
      "key:value; repeat for more labels, all of which the task must carry (at most 1000 tasks match)",
  }),
  /** Attempts started at or after this instant (RFC 3339 or unix seconds). */
  since: timestampQuery.optional(),
  /** Attempts started at or before this instant. */
  until: timestampQuery.optional(),
});
export type ListProjectExecutionsQuery = z.output<typeof listProjectExecutionsQuerySchema>;

const projectCursorSchema = z.tuple([z.number().int(), z.string().max(100), z.number().int()]);

/** The most tasks a label filter of the project-wide history may match. */
const MAX_LABELLED_TASKS = 1_000;

/**
 * The ids of the project's tasks that carry every label of `labels`, from the task index; a 400
 * naming `label` when more than MAX_LABELLED_TASKS do, since history is filtered by task.
 */
async function labelledTaskIds(
  env: Env,
  projectId: string,
  labels: [string, string][],
): Promise<string[]> {
  const rows = await listIndexedTaskIds(database(env.DB), {
    projectId,
    labels,
    limit: MAX_LABELLED_TASKS,
  });
  if (rows.length > MAX_LABELLED_TASKS) {
    throw invalidField(
      "label",
      `matches more than ${MAX_LABELLED_TASKS} tasks; add a label or task_id to narrow it`,
    );
  }
  return rows.map((r) => r.id);
}

/** A page of every attempt of the project's tasks, newest first, from every history shard. */
export async function listProjectExecutions(
  env: Env,
  projectId: string,
  query: ListProjectExecutionsQuery,
): Promise<{ results: ProjectAttemptRecord[]; next_cursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor, projectCursorSchema) : undefined;
  const taskIds = query.label ? await labelledTaskIds(env, projectId, query.label) : undefined;
  if (taskIds?.length === 0) return { results: [], next_cursor: null };
  const { attempts, more } = await listProjectAttempts(env, projectId, {
    limit: query.limit,
    ...(after && { after }),
    ...(query.successful !== undefined && { successful: query.successful }),
    ...(query.task_id !== undefined && { taskId: query.task_id }),
    ...(taskIds && { taskIds }),
    ...(query.since !== undefined && { since: query.since }),
    ...(query.until !== undefined && { until: query.until }),
  });
  const names = await findTaskNames(
    env.DB,
    projectId,
    attempts.map((a) => a.record.task_id),
  );
  const last = attempts.at(-1);
  return {
    results: attempts.map((a) => ({
      ...a.record,
      task_name: names.get(a.record.task_id) ?? null,
    })),
    next_cursor: more && last ? encodeCursor(last.key) : null,
  };
}

/**
 * When `executionId` of the task first started, from its history (the object's held attempts
 * included); a 404 when the task has no such execution. Reads the task's history newest first,
 * bounded by what it keeps (HISTORY_MAX_PER_TASK).
 */
async function executionStart(env: Env, task: TaskHistory, executionId: string): Promise<number> {
  const held = await heldAttempts(env, task);
  let before: number | undefined;
  let startedAt: number | null = null;
  for (let read = 0; read <= config(env).historyMaxPerTask; read += 100) {
    const { attempts, more } = await listTaskAttempts(
      env,
      task,
      { limit: 100, ...(before !== undefined && { before }) },
      held,
    );
    for (const a of attempts) {
      // Attempts of one execution are next to each other; the last one read is its first.
      if (a.record.execution_id === executionId) startedAt = a.record.started_at;
      else if (startedAt !== null) return startedAt;
    }
    const last = attempts.at(-1);
    if (!more || !last) break;
    before = last.ordinal;
  }
  if (startedAt === null) throw new BelfryError("not_found", "execution not found");
  return startedAt;
}

/**
 * Send the request an execution of the task sent once more, now, as a new execution with its
 * own webhook-id and a Belfry-Replay-Of header; any state. A 404 for an unknown task or
 * execution, a 409 when that request cannot be built again (core/lifecycle.ts, replayRefusal).
 */
export async function replayExecution(
  env: Env,
  projectId: string,
  taskId: string,
  executionId: string,
) {
  const task = await historyOf(database(env.DB), projectId, taskId);
  const startedAt = await executionStart(env, task, executionId);
  const replayed = await unwrap<ReplayedExecution>(
    taskStub(env, taskId).replay(projectId, executionId, startedAt),
  );
  return { ...replayed, scheduled_at: new Date(replayed.scheduled_at).toISOString() };
}

/** A page window by offset: for the dialects whose documents page by number or offset. */
export interface OffsetWindow {
  /** Rows per page, 1–100. */
  limit: number;
  /** Rows skipped, at most MAX_OFFSET (db/paged-queries.ts). */
  offset: number;
}

/** A page of a project's tasks by offset, newest first, with how many match in all. */
export async function listTasksByOffset(
  env: Env,
  projectId: string,
  query: OffsetWindow & { states?: TaskState[] },
): Promise<Page<TaskSnapshot>> {
  return pageTasks(database(env.DB), { projectId, ...query });
}

/**
 * A page of one task's attempts by offset, newest first: the keyset pages of `listExecutions`
 * walked up to the offset, so it reads history however it is stored. The offset is bounded by
 * the caller (MAX_OFFSET), and so is the walk.
 */
export async function listExecutionsByOffset(
  env: Env,
  projectId: string,
  taskId: string,
  query: OffsetWindow,
): Promise<AttemptRecord[]> {
  const task = await historyOf(database(env.DB), projectId, taskId);
  return (await pageTaskAttempts(env, task, query, await heldAttempts(env, task))).results;
}

/** Tasks told of a rotation at once; the rest pick it up within a minute by themselves. */
const ROTATION_PUSH_LIMIT = 1_000;

/**
 * Tell a project's active and paused tasks that its signing secrets changed, so a rotation
 * that ends the old secret ends it at once (docs/security.md). Best effort, in pages.
 */
export async function pushSigningKeys(env: Env, projectId: string): Promise<number> {
  let after = "";
  let told = 0;
  while (told < ROTATION_PUSH_LIMIT) {
    const ids = await listLiveTaskIds(env.DB, projectId, after, 100);
    await Promise.allSettled(ids.map((id) => taskStub(env, id).refreshSigningKeys()));
    told += ids.length;
    const last = ids.at(-1);
    if (!last || ids.length < 100) break;
    after = last;
  }
  return told;
}
