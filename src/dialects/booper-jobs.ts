/**
 * Booper's job records in D1 (table `booper_jobs`, src/db/schema.ts): the integer id each job
 * gets at create, a per-project sequence as in the document's `"job_id": 29180`, and the fields
 * Booper keeps that a task has no place for (its description, which job holds a key).
 */

/** What the Booper dialect keeps about one job beside its task. */
export interface JobRecord {
  taskId: string;
  /** The job's integer id within its project. */
  number: number;
  description: string | null;
}

// One statement, so two creates at once cannot take the same number: SQLite runs it atomically.
// A task that already has a number keeps it (a replayed create, or a second look at a task made
// through another interface).
const NUMBER_JOB = `INSERT INTO booper_jobs (project_id, number, task_id, idempotency_key,
  description, created_at)
  VALUES (?1, (SELECT COALESCE(MAX(number), 0) + 1 FROM booper_jobs WHERE project_id = ?1),
  ?2, ?3, ?4, ?5)
  ON CONFLICT (task_id) DO NOTHING`;

const RECORDS_OF_TASKS = (n: number) =>
  `SELECT task_id, number, description FROM booper_jobs WHERE project_id = ? AND task_id IN (${Array(n).fill("?").join(", ")})`;

interface Row {
  task_id: string;
  number: number;
  description: string | null;
}

const recordOf = (r: Row): JobRecord => ({
  taskId: r.task_id,
  number: r.number,
  description: r.description,
});

/** Give a new job its number (its record when it already has one). */
export async function numberJob(
  d1: D1Database,
  job: {
    projectId: string;
    taskId: string;
    idempotencyKey: string | null;
    description: string | null;
  },
): Promise<JobRecord> {
  const [, read] = await d1.batch<Row>([
    d1
      .prepare(NUMBER_JOB)
      .bind(job.projectId, job.taskId, job.idempotencyKey, job.description, Date.now()),
    d1
      .prepare("SELECT task_id, number, description FROM booper_jobs WHERE task_id = ?")
      .bind(job.taskId),
  ]);
  const row = read?.results[0];
  if (!row) throw new Error(`booper_jobs: no row for task ${job.taskId} after numbering it`);
  return recordOf(row);
}

/**
 * The records of these tasks (at most 100), numbering on the way any that have none — tasks made
 * through another interface get their number the first time Booper shows them.
 */
export async function jobRecords(
  d1: D1Database,
  projectId: string,
  taskIds: readonly string[],
): Promise<Map<string, JobRecord>> {
  const records = new Map<string, JobRecord>();
  if (taskIds.length === 0) return records;
  const found = await d1
    .prepare(RECORDS_OF_TASKS(taskIds.length))
    .bind(projectId, ...taskIds)
    .all<Row>();
  for (const row of found.results) records.set(row.task_id, recordOf(row));
  const missing = taskIds.filter((id) => !records.has(id));
  // Oldest first: the list is newest first, and numbers should grow with age where they can.
  for (const taskId of missing.reverse()) {
    const record = await numberJob(d1, {
      projectId,
      taskId,
      idempotencyKey: null,
      description: null,
    });
    records.set(taskId, record);
  }
  return records;
}

/** The task of a job number, or null when the project has no such job. */
export async function taskOfJobNumber(
  d1: D1Database,
  projectId: string,
  number: number,
): Promise<string | null> {
  const row = await d1
    .prepare("SELECT task_id FROM booper_jobs WHERE project_id = ? AND number = ?")
    .bind(projectId, number)
    .first<{ task_id: string }>();
  return row?.task_id ?? null;
}

/** The latest job made with an idempotency key, and how many jobs have used the key. */
export async function jobsWithKey(
  d1: D1Database,
  projectId: string,
  key: string,
): Promise<{ latest: string | null; used: number }> {
  const row = await d1
    .prepare(
      `SELECT COUNT(*) AS used, (SELECT task_id FROM booper_jobs WHERE project_id = ?1
        AND idempotency_key = ?2 ORDER BY number DESC LIMIT 1) AS latest
        FROM booper_jobs WHERE project_id = ?1 AND idempotency_key = ?2`,
    )
    .bind(projectId, key)
    .first<{ used: number; latest: string | null }>();
  return { latest: row?.latest ?? null, used: row?.used ?? 0 };
}
