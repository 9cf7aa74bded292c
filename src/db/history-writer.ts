import type { HistoryMessage, ProgressUpdate } from "../core/history";
import { upsertTaskStatement } from "./task-index";

// The history writer is the busiest D1 path (one attempt row and one index update per call),
// so it binds prepared statements directly: building each statement through drizzle cost a
// tenth of the Worker's CPU at 300 calls/s. The column names are those of src/db/schema.ts.
const INSERT_ATTEMPT = `INSERT INTO executions (id, execution_id, task_id, project_id, number,
  attempt, scheduled_at, started_at, duration_ms, lateness_ms, status_code, successful, error,
  response_headers, response_body, truncated, final)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`;
const UPDATE_PROGRESS = `UPDATE tasks SET state = ?, next_run_at = ?, last_run_at = ?,
  executions_total = ?, version = ?, progress = ? WHERE id = ? AND version < ?`;

/**
 * Write a batch of history messages with one D1 batch. Idempotent: an attempt is keyed by its
 * id and an index row only moves to a newer version, so a redelivered batch changes nothing.
 * Of several progress updates for one task in a batch only the newest is written.
 */
export async function writeHistory(d1: D1Database, messages: HistoryMessage[]): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  const insertAttempt = d1.prepare(INSERT_ATTEMPT);
  const newest = new Map<string, ProgressUpdate>();
  for (const message of messages) {
    const update = message.progress;
    const seen = update && newest.get(update.id);
    if (update && (!seen || seen.progress.version < update.progress.version)) {
      newest.set(update.id, update);
    }
    const a = message.attempt;
    if (a) {
      statements.push(
        insertAttempt.bind(
          a.id,
          a.execution_id,
          a.task_id,
          a.project_id,
          a.number,
          a.attempt,
          a.scheduled_at,
          a.started_at,
          a.duration_ms,
          a.lateness_ms,
          a.status_code,
          a.successful ? 1 : 0,
          a.error,
          JSON.stringify(a.response.headers),
          a.response.body,
          a.response.truncated ? 1 : 0,
          a.final ? 1 : 0,
        ),
      );
    }
    if (message.task) {
      statements.push(upsertTaskStatement(d1, message.task));
    }
  }
  const updateProgress = d1.prepare(UPDATE_PROGRESS);
  for (const { id, progress: p, wake_at } of newest.values()) {
    statements.push(
      updateProgress.bind(
        p.state,
        wake_at,
        p.last_run_at,
        p.executions.total,
        p.version,
        JSON.stringify(p),
        id,
        p.version,
      ),
    );
  }
  if (statements.length > 0) await d1.batch(statements);
}

/** Acknowledgements not yet sent, by task, with when the oldest of them came in. */
const pendingAcks = new Map<
  string,
  { taskId: string; createdAt: number; seqs: number[]; since: number }
>();
/**
 * How long acknowledgements for one task are gathered. A task calling every second then gets
 * one every few seconds instead of one per call; its object resends only what waits over 10 s.
 */
const ACK_EVERY_MS = 3_000;

/**
 * Tell each task's object which of its outbox records are now in D1, so it can drop them.
 * Acknowledgements are gathered per task across batches and sent once the oldest is a few
 * seconds old, so they go out spread over time rather than in bursts. Best effort: a record
 * never acknowledged is sent again, and writing it twice changes nothing.
 */
export async function acknowledgeHistory(
  env: Env,
  messages: HistoryMessage[],
  now = Date.now(),
): Promise<void> {
  for (const { ack } of messages) {
    if (!ack) continue;
    const key = `${ack.task_id}/${ack.created_at}`;
    const pending = pendingAcks.get(key);
    if (pending) pending.seqs.push(ack.seq);
    else {
      const entry = { taskId: ack.task_id, createdAt: ack.created_at, seqs: [ack.seq], since: now };
      pendingAcks.set(key, entry);
    }
  }
  const due = [...pendingAcks].filter(([, pending]) => now - pending.since >= ACK_EVERY_MS);
  for (const [key] of due) pendingAcks.delete(key);
  const results = await Promise.allSettled(
    due.map(([, { taskId, createdAt, seqs }]) =>
      env.TASKS.get(env.TASKS.idFromName(taskId)).acknowledge(createdAt, seqs),
    ),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(JSON.stringify({ event: "acknowledge_failed", tasks: failed }));
}
