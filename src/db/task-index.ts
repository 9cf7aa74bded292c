import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { TaskIndexEntry } from "../core/history";
import type { TaskSnapshot, TaskState } from "../core/task-view";
import type { Database } from "./client";
import { tasks } from "./schema";

/** The statement that writes an index row unless the table already holds a newer version. */
export function upsertTaskStatement(db: Database, entry: TaskIndexEntry) {
  const { definition: d, progress: p } = entry.snapshot;
  const row = {
    id: d.id,
    projectId: d.project_id,
    name: d.name,
    state: p.state,
    nextRunAt: entry.wake_at,
    lastRunAt: p.last_run_at,
    executionsTotal: p.executions.total,
    idempotencyKey: d.idempotency_key,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    version: p.version,
    deletedAt: entry.deleted_at,
    definition: JSON.stringify(d),
    progress: JSON.stringify(p),
  };
  const { id: _id, projectId: _project, createdAt: _created, ...changes } = row;
  return db
    .insert(tasks)
    .values(row)
    .onConflictDoUpdate({
      target: tasks.id,
      set: changes,
      setWhere: sql`excluded.version > ${tasks.version}`,
    });
}

/** Write one index row now (create, patch, lifecycle, delete). */
export async function upsertTask(db: Database, entry: TaskIndexEntry): Promise<void> {
  await upsertTaskStatement(db, entry);
}

/** A task's index row, when it exists in this project (deleted tasks included). */
export async function findIndexedTask(db: Database, projectId: string, id: string) {
  const [row] = await db
    .select({ id: tasks.id, deletedAt: tasks.deletedAt })
    .from(tasks)
    .where(and(eq(tasks.id, id), eq(tasks.projectId, projectId)))
    .limit(1);
  return row ?? null;
}

export interface TaskListQuery {
  projectId: string;
  states?: TaskState[];
  namePrefix?: string;
  limit: number;
  /** Keyset position: list rows strictly older than this (created_at, id). */
  after?: { createdAt: number; id: string };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** One page of a project's tasks, newest first, plus one extra row to tell if more exist. */
export async function listIndexedTasks(db: Database, query: TaskListQuery) {
  const conditions = [eq(tasks.projectId, query.projectId), isNull(tasks.deletedAt)];
  if (query.states) conditions.push(inArray(tasks.state, query.states));
  if (query.namePrefix !== undefined) {
    // SQLite's LIKE has no escape character unless told, so `_` and `%` need ESCAPE to be literal.
    conditions.push(sql`${tasks.name} LIKE ${`${escapeLike(query.namePrefix)}%`} ESCAPE '\\'`);
  }
  if (query.after) {
    const { createdAt, id } = query.after;
    const older = or(
      lt(tasks.createdAt, createdAt),
      and(eq(tasks.createdAt, createdAt), lt(tasks.id, id)),
    );
    if (older) conditions.push(older);
  }
  const rows = await db
    .select({
      createdAt: tasks.createdAt,
      id: tasks.id,
      definition: tasks.definition,
      progress: tasks.progress,
    })
    .from(tasks)
    .where(and(...conditions))
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(query.limit + 1);
  return rows.map((r) => ({
    createdAt: r.createdAt,
    id: r.id,
    snapshot: {
      definition: JSON.parse(r.definition),
      progress: JSON.parse(r.progress),
    } as TaskSnapshot,
  }));
}

/** Active tasks whose next call is overdue by more than `graceMs`: their alarms may be lost. */
export async function findOverdueTasks(db: Database, now: number, graceMs: number, limit: number) {
  return db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(eq(tasks.state, "active"), isNull(tasks.deletedAt), lt(tasks.nextRunAt, now - graceMs)),
    )
    .limit(limit);
}

/**
 * How many of a project's tasks are active or paused, counting no further than `cap`. The
 * tasks_project_state_created index answers it alone, and a deleted task's row is cancelled,
 * so tombstones never count.
 */
export async function countLiveTasks(db: Database, projectId: string, cap: number) {
  const live = db
    .select({ one: sql`1` })
    .from(tasks)
    .where(and(eq(tasks.projectId, projectId), inArray(tasks.state, ["active", "paused"])))
    .limit(cap)
    .as("live");
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(live);
  return row?.n ?? 0;
}
