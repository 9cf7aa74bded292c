import type { ProgressUpdate, TaskIndexEntry } from "../core/history";
import { upsertTaskStatement } from "../db/task-index";
import { meter } from "../metering";
import { taskObject } from "../task-address";
import { attemptStartedAt, attemptSucceeded, type HistoryChunk } from "./records";
import { historyShards } from "./shards";
import { addToStats } from "./stats";

// The history writer: the Queue consumer's side of the record path. Each batch of chunks
// becomes one D1 batch per database — chunk rows on their shards, the index rows' counters on
// the index — and then each task's object is told which chunks it may drop.
// Bound directly, not through drizzle: this is the busiest D1 path. Columns: ../db/schema.ts.

const INSERT_CHUNK = `INSERT INTO history (task_id, created_at, seq, project_id, first_started,
  last_started, attempts, failures, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (task_id, created_at, seq) DO NOTHING`;
/** Chunks wholly older than a task's newest `max` attempts (retention by count). */
const TRIM_TASK = `DELETE FROM history WHERE task_id = ? AND created_at = ? AND seq + attempts <= ?`;
// Each insert is followed by its project's per-minute aggregates (./stats.ts).
// A chunk's progress rewrites only the columns calls change; the state — in three of the
// index's indexes — is written by a second statement that matches no row unless it changed,
// since D1 bills a written row for every index a statement's columns touch.
const UPDATE_PROGRESS = `UPDATE tasks SET next_run_at = ?, last_run_at = ?,
  executions_total = ?, version = ?, progress = ? WHERE id = ? AND version < ?`;
const UPDATE_STATE = `UPDATE tasks SET state = ? WHERE id = ? AND version = ? AND state <> ?`;

export interface WriterSettings {
  /** Attempts kept per task (older chunks are deleted as new ones arrive). */
  maxPerTask: number;
}

/**
 * Write a batch of chunks. Idempotent: a chunk is keyed by (task, incarnation, seq), and an
 * index row only moves to a newer version, so a redelivered chunk changes nothing. Of several
 * progress updates for one task only the newest is written.
 */
export async function writeChunks(
  env: Env,
  chunks: HistoryChunk[],
  settings: WriterSettings,
): Promise<void> {
  const shards = historyShards(env);
  const statements = new Map<D1Database, D1PreparedStatement[]>();
  const add = (db: D1Database, statement: D1PreparedStatement) => {
    const list = statements.get(db);
    if (list) list.push(statement);
    else statements.set(db, [statement]);
  };
  const newest = new Map<string, ProgressUpdate>();
  const rows: TaskIndexEntry[] = [];
  for (const chunk of chunks) {
    const db = shards[chunk.shard] ?? (shards[0] as D1Database);
    const first = chunk.attempts[0];
    const last = chunk.attempts.at(-1);
    if (first && last) {
      const failures = chunk.attempts.filter((a) => !attemptSucceeded(a)).length;
      add(
        db,
        db
          .prepare(INSERT_CHUNK)
          .bind(
            chunk.task_id,
            chunk.created_at,
            chunk.seq,
            chunk.project_id,
            attemptStartedAt(first),
            attemptStartedAt(last),
            chunk.attempts.length,
            failures,
            JSON.stringify(chunk.attempts),
          ),
      );
      for (const statement of addToStats(db, chunk.project_id, chunk.attempts)) add(db, statement);
      const keepFrom = chunk.seq + chunk.attempts.length - settings.maxPerTask;
      if (keepFrom > 0) {
        add(db, db.prepare(TRIM_TASK).bind(chunk.task_id, chunk.created_at, keepFrom));
      }
    }
    if (chunk.task) rows.push(chunk.task);
    if (chunk.progress) {
      const update = { id: chunk.task_id, ...chunk.progress };
      const seen = newest.get(update.id);
      if (!seen || seen.progress.version < update.progress.version) newest.set(update.id, update);
    }
  }
  for (const entry of rows) add(env.DB, upsertTaskStatement(env.DB, entry));
  const updateProgress = env.DB.prepare(UPDATE_PROGRESS);
  const updateState = env.DB.prepare(UPDATE_STATE);
  for (const { id, progress: p, wake_at } of newest.values()) {
    add(
      env.DB,
      updateProgress.bind(
        wake_at,
        p.last_run_at,
        p.executions.total,
        p.version,
        JSON.stringify(p),
        id,
        p.version,
      ),
    );
    add(env.DB, updateState.bind(p.state, id, p.version, p.state));
  }
  const results = await Promise.all(
    [...statements].map(([db, list]) => (list.length > 0 ? db.batch(list) : [])),
  );
  for (const result of results.flat()) meter("d1_rows_written", result.meta?.rows_written ?? 0);
}

/**
 * Tell each task's object which of its chunks are now in D1, one call per task. Best effort: a
 * chunk never acknowledged is sent again later, and writing it twice changes nothing.
 */
export async function acknowledgeChunks(env: Env, chunks: HistoryChunk[]): Promise<void> {
  const byTask = new Map<string, { taskId: string; createdAt: number; seqs: number[] }>();
  for (const { task_id, created_at, seq } of chunks) {
    const key = `${task_id}/${created_at}`;
    const entry = byTask.get(key);
    if (entry) entry.seqs.push(seq);
    else byTask.set(key, { taskId: task_id, createdAt: created_at, seqs: [seq] });
  }
  const results = await Promise.allSettled(
    [...byTask.values()].map(({ taskId, createdAt, seqs }) =>
      taskObject(env, taskId).acknowledge(createdAt, seqs),
    ),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(JSON.stringify({ event: "acknowledge_failed", tasks: failed }));
}
