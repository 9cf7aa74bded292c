import type { BatchItem } from "drizzle-orm/batch";
import type { HistoryMessage, ProgressUpdate } from "../core/history";
import type { Database } from "./client";
import { executions } from "./schema";
import { updateProgressStatement, upsertTaskStatement } from "./task-index";

/**
 * Write a batch of history messages with one D1 batch. Idempotent: an attempt is keyed by its
 * id and an index row only moves to a newer version, so a redelivered batch changes nothing.
 * Of several progress updates for one task in a batch only the newest is written.
 */
export async function writeHistory(db: Database, messages: HistoryMessage[]): Promise<void> {
  const statements: BatchItem<"sqlite">[] = [];
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
        db
          .insert(executions)
          .values({
            id: a.id,
            executionId: a.execution_id,
            taskId: a.task_id,
            projectId: a.project_id,
            number: a.number,
            attempt: a.attempt,
            scheduledAt: a.scheduled_at,
            startedAt: a.started_at,
            durationMs: a.duration_ms,
            latenessMs: a.lateness_ms,
            statusCode: a.status_code,
            successful: a.successful,
            error: a.error,
            responseHeaders: JSON.stringify(a.response.headers),
            responseBody: a.response.body,
            truncated: a.response.truncated,
            final: a.final,
          })
          .onConflictDoNothing(),
      );
    }
    if (message.task) statements.push(upsertTaskStatement(db, message.task));
  }
  for (const update of newest.values()) statements.push(updateProgressStatement(db, update));
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * Tell each task's object which of its outbox records are now in D1, so it can drop them.
 * Best effort: a record never acknowledged is sent again, and writing it twice changes nothing.
 */
export async function acknowledgeHistory(env: Env, messages: HistoryMessage[]): Promise<void> {
  const byTask = new Map<string, number[]>();
  for (const { ack } of messages) {
    if (!ack) continue;
    const seqs = byTask.get(ack.task_id) ?? [];
    seqs.push(ack.seq);
    byTask.set(ack.task_id, seqs);
  }
  const results = await Promise.allSettled(
    [...byTask].map(([taskId, seqs]) =>
      env.TASKS.get(env.TASKS.idFromName(taskId)).acknowledge(seqs),
    ),
  );
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(JSON.stringify({ event: "acknowledge_failed", tasks: failed }));
}
