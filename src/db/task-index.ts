import { and, asc, desc, eq, exists, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { alias, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { callsPerMinute } from "../core/call-rate";
import type { TaskIndexEntry } from "../core/history";
import type { TaskSnapshot, TaskState } from "../core/task-view";
import type { Database } from "./client";
import { taskLabels, tasks } from "./schema";

// Every create, lifecycle change and call writes the index, so these statements are bound
// directly rather than built through drizzle each time (measured: query building was a fifth
// of the CPU of a create). The column names are those of ./schema.ts.
const UPSERT_TASK = `INSERT INTO tasks (id, project_id, name, state, next_run_at, last_run_at,
  executions_total, idempotency_key, created_at, updated_at, version, deleted_at, definition,
  progress, calls_per_minute) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state,
  next_run_at = excluded.next_run_at, last_run_at = excluded.last_run_at,
  executions_total = excluded.executions_total, idempotency_key = excluded.idempotency_key,
  created_at = excluded.created_at, updated_at = excluded.updated_at,
  version = excluded.version, deleted_at = excluded.deleted_at,
  definition = excluded.definition, progress = excluded.progress,
  calls_per_minute = excluded.calls_per_minute
  WHERE excluded.version > tasks.version`;

/** The statement that writes an index row unless the table already holds a newer version. */
export function upsertTaskStatement(d1: D1Database, entry: TaskIndexEntry): D1PreparedStatement {
  const { definition: d, progress: p } = entry.snapshot;
  return d1
    .prepare(UPSERT_TASK)
    .bind(
      d.id,
      d.project_id,
      d.name,
      p.state,
      entry.wake_at,
      p.last_run_at,
      p.executions.total,
      d.idempotency_key,
      d.created_at,
      d.updated_at,
      p.version,
      entry.deleted_at,
      JSON.stringify(d),
      JSON.stringify(p),
      callsPerMinute(d.schedule),
    );
}

/** Write one index row now (create, patch, lifecycle, delete). */
export async function upsertTask(d1: D1Database, entry: TaskIndexEntry): Promise<void> {
  await upsertTaskStatement(d1, entry).run();
}

/** A task's index row, when it exists in this project (deleted tasks included). */
export async function findIndexedTask(db: Database, projectId: string, id: string) {
  const [row] = await db
    .select({
      id: tasks.id,
      deletedAt: tasks.deletedAt,
      createdAt: tasks.createdAt,
      shard: sql<number | null>`json_extract(${tasks.definition}, '$.shard')`,
    })
    .from(tasks)
    .where(and(eq(tasks.id, id), eq(tasks.projectId, projectId)))
    .limit(1);
  return row ?? null;
}

/** Which of a project's tasks a list or a bulk action takes; every filter given must hold. */
export interface TaskFilter {
  projectId: string;
  states?: TaskState[];
  namePrefix?: string;
  /** key:value pairs the task's labels must all hold. */
  labels?: [string, string][];
  /** Only these tasks (at most 1000: bound as one JSON parameter, D1 binds at most 100). */
  ids?: string[];
}

export interface TaskListQuery extends TaskFilter {
  limit: number;
  /** Keyset position: list rows strictly older than this (created_at, id). */
  after?: { createdAt: number; id: string };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The page query for `query`, newest first, one row beyond `limit`. With a label filter the
 * task_labels index drives it (one label's tasks in created order, the other labels checked per
 * row), so a page costs the same however few of the project's tasks carry the label.
 */
export function taskPageQuery<F extends Record<string, SQLiteColumn>>(
  db: Database,
  query: TaskListQuery,
  fields: F,
) {
  const conditions = [eq(tasks.projectId, query.projectId), isNull(tasks.deletedAt)];
  if (query.states) conditions.push(inArray(tasks.state, query.states));
  if (query.namePrefix !== undefined) {
    // SQLite's LIKE has no escape character unless told, so `_` and `%` need ESCAPE to be literal.
    conditions.push(sql`${tasks.name} LIKE ${`${escapeLike(query.namePrefix)}%`} ESCAPE '\\'`);
  }
  if (query.ids) {
    conditions.push(
      inArray(tasks.id, sql`(SELECT value FROM json_each(${JSON.stringify(query.ids)}))`),
    );
  }
  const [first, ...others] = query.labels ?? [];
  for (const [key, value] of others) {
    const other = alias(taskLabels, "other_label");
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(other)
          .where(and(eq(other.taskId, tasks.id), eq(other.key, key), eq(other.value, value))),
      ),
    );
  }
  // The sort key comes from the driving table, so its index serves order and keyset alike.
  const order = first
    ? { createdAt: taskLabels.createdAt, id: taskLabels.taskId }
    : { createdAt: tasks.createdAt, id: tasks.id };
  if (first) {
    conditions.push(
      eq(taskLabels.projectId, query.projectId),
      eq(taskLabels.key, first[0]),
      eq(taskLabels.value, first[1]),
    );
  }
  if (query.after) {
    const { createdAt, id } = query.after;
    const older = or(
      lt(order.createdAt, createdAt),
      and(eq(order.createdAt, createdAt), lt(order.id, id)),
    );
    if (older) conditions.push(older);
  }
  const selected = { ...fields, createdAt: order.createdAt, id: order.id };
  const from = first
    ? db.select(selected).from(taskLabels).innerJoin(tasks, eq(tasks.id, taskLabels.taskId))
    : db.select(selected).from(tasks);
  return from
    .where(and(...conditions))
    .orderBy(desc(order.createdAt), desc(order.id))
    .limit(query.limit + 1);
}

/** One page of a project's tasks, newest first, plus one extra row to tell if more exist. */
export async function listIndexedTasks(db: Database, query: TaskListQuery) {
  const rows = await taskPageQuery(db, query, {
    definition: tasks.definition,
    progress: tasks.progress,
  });
  return rows.map((r) => ({
    createdAt: r.createdAt,
    id: r.id,
    snapshot: {
      definition: JSON.parse(r.definition),
      progress: JSON.parse(r.progress),
    } as TaskSnapshot,
  }));
}

/** One page of the ids of a project's tasks, newest first, plus one extra row. */
export async function listIndexedTaskIds(db: Database, query: TaskListQuery) {
  return taskPageQuery(db, query, {});
}

/** One page of a project's task ids and states, newest first, plus one extra row. */
export async function listIndexedTaskStates(db: Database, query: TaskListQuery) {
  const rows = await taskPageQuery(db, query, { state: tasks.state });
  return rows.map((r) => ({ ...r, state: r.state as TaskState }));
}

/**
 * Active tasks whose next call is overdue by more than `graceMs`, most overdue first: their
 * alarms may be lost.
 */
export async function findOverdueTasks(db: Database, now: number, graceMs: number, limit: number) {
  return db
    .select({ id: tasks.id, nextRunAt: tasks.nextRunAt })
    .from(tasks)
    .where(
      and(eq(tasks.state, "active"), isNull(tasks.deletedAt), lt(tasks.nextRunAt, now - graceMs)),
    )
    .orderBy(asc(tasks.nextRunAt))
    .limit(limit);
}

/**
 * Finished tasks (deleted ones included) past their expiry. A finished task's row keeps its
 * expiry time in `next_run_at`, so the sweeper's index answers this too.
 */
export async function findExpiredTasks(db: Database, now: number, limit: number) {
  return db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(inArray(tasks.state, ["completed", "cancelled", "failed"]), lt(tasks.nextRunAt, now)),
    )
    .limit(limit);
}

/** Write back a task's true next call, as its object answered the sweeper. */
export function correctWakeTimeStatement(d1: D1Database, id: string, wakeAt: number | null) {
  return d1.prepare("UPDATE tasks SET next_run_at = ? WHERE id = ?").bind(wakeAt, id);
}

/** Remove a task's index row for good (an expired task, or a row whose object holds none). */
export function removeIndexedTaskStatement(d1: D1Database, id: string) {
  return d1.prepare("DELETE FROM tasks WHERE id = ?").bind(id);
}

/** A page of a project's active and paused task ids, in id order, after `after`. */
export async function listLiveTaskIds(
  d1: D1Database,
  projectId: string,
  after: string,
  limit: number,
): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT id FROM tasks WHERE project_id = ? AND state IN ('active', 'paused') AND id > ?
       ORDER BY id LIMIT ?`,
    )
    .bind(projectId, after, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
