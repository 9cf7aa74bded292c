import { readConfig } from "../config";
import { database } from "../db/client";
import {
  correctWakeTimeStatement,
  findExpiredTasks,
  findOverdueTasks,
  removeIndexedTaskStatement,
} from "../db/task-index";
import { purgeHistoryBefore } from "../history/retention";
import { purgeStatsBefore, STATS_RETENTION_MS } from "../history/stats";
import { taskObject } from "../task-address";

/**
 * How overdue an active task's index row must be before the sweeper takes it for a lost alarm.
 * A fast task's row learns its next call with the task's history, so it lags by up to
 * HISTORY_FLUSH_MS and the queue's delay even while every call is on time: the grace is that
 * interval and 30 s more, so healthy tasks are not woken for nothing.
 */
export function sweepGraceMs(historyFlushMs: number): number {
  return historyFlushMs + 30_000;
}
const SWEEP_BATCH = 1_000;
const EXPIRE_BATCH = 100;

/**
 * The every-minute sweep (docs/operations.md): poke every overdue active task so it re-derives
 * its alarm — and write back its true next call, so a stale row is not picked again — remove
 * tasks finished longer than FINISHED_TASK_TTL_DAYS ago, and purge history past retention
 * (and, hourly, the stats aggregates past theirs).
 */
export async function sweep(
  env: Env,
  now: number,
): Promise<{ rearmed: number; expired: number; purged: number }> {
  const db = database(env.DB);
  const config = readConfig(env);

  // The index rows to mend, written together in one D1 batch once the objects have answered.
  const fixes: D1PreparedStatement[] = [];
  const graceMs = sweepGraceMs(config.historyFlushMs);
  const overdue = await findOverdueTasks(db, now, graceMs, SWEEP_BATCH);
  // One object failing to answer must not stop the others, nor the purge.
  await Promise.allSettled(
    overdue.map(async ({ id, nextRunAt }) => {
      const answer = await taskObject(env, id).rearm();
      if (!answer.exists) fixes.push(removeIndexedTaskStatement(env.DB, id));
      else if (answer.wake_at !== nextRunAt) {
        fixes.push(correctWakeTimeStatement(env.DB, id, answer.wake_at));
      }
    }),
  );

  const ttlMs = config.finishedTaskTtlDays * 86_400_000;
  const expired = await findExpiredTasks(db, now, EXPIRE_BATCH);
  let removed = 0;
  await Promise.allSettled(
    expired.map(async ({ id }) => {
      if (!(await taskObject(env, id).expire(now - ttlMs))) return;
      fixes.push(removeIndexedTaskStatement(env.DB, id));
      removed += 1;
    }),
  );
  // The rows are mended again by a later sweep if D1 refuses them now; the purge runs anyway.
  if (fixes.length > 0) {
    await env.DB.batch(fixes).catch((error: unknown) => {
      console.warn(JSON.stringify({ event: "sweep_index_fixes_failed", error: String(error) }));
    });
  }

  const purged = await purgeHistoryBefore(env, now - config.retentionDays * 86_400_000);
  // Aggregates age by the hour: one sweep an hour drops what the longest window no longer reads.
  if (Math.floor(now / 60_000) % 60 === 0) await purgeStatsBefore(env, now - STATS_RETENTION_MS);
  return {
    rearmed: overdue.length,
    expired: removed,
    purged,
  };
}
