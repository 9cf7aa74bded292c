import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { TaskSnapshot, TaskState } from "../core/task-view";
import type { Database } from "./client";
import { tasks } from "./schema";

/**
 * Page/offset queries with totals, for the dialects whose documents paginate that way (Chronos'
 * `page`/`per_page`, Booper's `offset`). The native API pages by keyset instead; SQLite's OFFSET
 * reads every row it skips, so an offset is bounded here and deeper pages are refused upstream.
 */
export const MAX_OFFSET = 10_000;

/**
 * Totals count at most this many rows (docs/dialects.md): a count reads every row it counts, so
 * an exact one would grow without bound with a project's tasks.
 */
export const MAX_COUNTED = 10_000;

/** One page of rows and how many rows there are in all, counted up to MAX_COUNTED. */
export interface Page<T> {
  total: number;
  results: T[];
}

interface Window {
  /** Rows per page (≥ 1). */
  limit: number;
  /** Rows skipped, at most MAX_OFFSET. */
  offset: number;
}

function checkWindow({ limit, offset }: Window): void {
  // Callers validate what users send; reaching this is a bug, not a user mistake.
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`invalid page window: limit ${limit}, offset ${offset}`);
  }
  if (offset > MAX_OFFSET) throw new RangeError(`offset ${offset} is beyond ${MAX_OFFSET}`);
}

export interface TaskPageQuery extends Window {
  projectId: string;
  /** Only tasks in these states (all when absent). */
  states?: TaskState[];
}

/** A page of a project's tasks, newest first, with the number of matching tasks (≤ MAX_COUNTED). */
export async function pageTasks(db: Database, query: TaskPageQuery): Promise<Page<TaskSnapshot>> {
  checkWindow(query);
  const where = and(
    eq(tasks.projectId, query.projectId),
    isNull(tasks.deletedAt),
    query.states ? inArray(tasks.state, query.states) : undefined,
  );
  const [counted, rows] = await db.batch([
    db
      .select({ total: count() })
      .from(db.select({ one: sql`1` }).from(tasks).where(where).limit(MAX_COUNTED).as("counted")),
    db
      .select({ definition: tasks.definition, progress: tasks.progress })
      .from(tasks)
      .where(where)
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(query.limit)
      .offset(query.offset),
  ]);
  return {
    total: counted[0]?.total ?? 0,
    results: rows.map(
      (r) =>
        ({
          definition: JSON.parse(r.definition),
          progress: JSON.parse(r.progress),
        }) as TaskSnapshot,
    ),
  };
}
