import { readConfig } from "../config";
import { database } from "../db/client";
import { purgeAttemptsBefore } from "../db/execution-log";
import { findOverdueTasks } from "../db/task-index";

/** A task this late is assumed to have lost its alarm. */
export const SWEEP_GRACE_MS = 30_000;
const SWEEP_BATCH = 1_000;

/** Poke every overdue active task so it re-derives its alarm, then purge history past retention. */
export async function sweep(env: Env, now: number): Promise<{ rearmed: number; purged: number }> {
  const db = database(env.DB);
  const overdue = await findOverdueTasks(db, now, SWEEP_GRACE_MS, SWEEP_BATCH);
  // One object failing to answer must not stop the others, nor the purge.
  await Promise.allSettled(
    overdue.map(({ id }) => env.TASKS.get(env.TASKS.idFromName(id)).rearm()),
  );
  const cutoff = now - readConfig(env).retentionDays * 86_400_000;
  const purged = await purgeAttemptsBefore(db, cutoff);
  return { rearmed: overdue.length, purged };
}
