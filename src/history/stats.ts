import { LATENESS_BUCKETS, latenessBucket, latenessQuantile } from "../core/lateness";
import type { TaskState } from "../core/task-view";
import type { ProjectStats, StatsWindow } from "../wire/answers";
import { attemptStartedAt, attemptSucceeded, type CompactAttempt } from "./records";
import { historyShards } from "./shards";

// Stats without scanning history: the history writer adds each chunk's attempts to per-project,
// per-minute aggregate rows (execution_stats, on the chunk's shard, in the same batch), and a
// window's stats are the sum of at most 10 080 such rows per shard. docs/operations.md, "Stats".

const STATS_WINDOWS: Record<StatsWindow, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 604_800_000,
};

/** Aggregates are kept a day longer than the longest window. */
export const STATS_RETENTION_MS = STATS_WINDOWS["7d"] + 86_400_000;

const MINUTE = 60_000;
const LATENESS = Array.from({ length: LATENESS_BUCKETS }, (_, i) => `l${i}`);

// Added to only when the chunk insert just before it in the batch inserted a row (changes() is
// 1), so a chunk delivered twice is counted once; each upsert changes one row, which lets a
// chunk spanning two minutes chain a second upsert behind the first.
const ADD_MINUTE = `INSERT INTO execution_stats (project_id, minute, total, succeeded, failed,
  ${LATENESS.join(", ")}) SELECT ?, ?, ?, ?, ?, ${LATENESS.map(() => "?").join(", ")}
  WHERE changes() = 1
  ON CONFLICT (project_id, minute) DO UPDATE SET total = total + excluded.total,
  succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed,
  ${LATENESS.map((l) => `${l} = ${l} + excluded.${l}`).join(", ")}`;

interface MinuteCounts {
  total: number;
  succeeded: number;
  failed: number;
  lateness: number[];
}

/** A chunk's attempts counted per minute they started in; lateness of first attempts only. */
export function countByMinute(attempts: readonly CompactAttempt[]): Map<number, MinuteCounts> {
  const minutes = new Map<number, MinuteCounts>();
  for (const a of attempts) {
    const minute = Math.floor(attemptStartedAt(a) / MINUTE) * MINUTE;
    let counts = minutes.get(minute);
    if (!counts) {
      counts = { total: 0, succeeded: 0, failed: 0, lateness: new Array(LATENESS_BUCKETS).fill(0) };
      minutes.set(minute, counts);
    }
    counts.total++;
    if (attemptSucceeded(a)) counts.succeeded++;
    else counts.failed++;
    const [, , attempt, scheduledAt, startedAt] = a;
    if (attempt === 1) {
      const bucket = latenessBucket(startedAt - scheduledAt);
      counts.lateness[bucket] = (counts.lateness[bucket] ?? 0) + 1;
    }
  }
  return minutes;
}

/**
 * The statements that add a chunk to its project's aggregates; they must follow the chunk's
 * insert in the same batch (see ADD_MINUTE).
 */
export function addToStats(
  db: D1Database,
  projectId: string,
  attempts: readonly CompactAttempt[],
): D1PreparedStatement[] {
  const statement = db.prepare(ADD_MINUTE);
  return [...countByMinute(attempts)].map(([minute, c]) =>
    statement.bind(projectId, minute, c.total, c.succeeded, c.failed, ...c.lateness),
  );
}

/** A project's stats over the last `window`: task counts from the index, the rest aggregated. */
export async function readProjectStats(
  env: Env,
  projectId: string,
  window: StatsWindow,
  now: number,
): Promise<ProjectStats> {
  const from = Math.floor((now - STATS_WINDOWS[window]) / MINUTE) * MINUTE;
  const sums = `SELECT COALESCE(SUM(total), 0) AS total, COALESCE(SUM(succeeded), 0) AS succeeded,
    COALESCE(SUM(failed), 0) AS failed, ${LATENESS.map((l) => `COALESCE(SUM(${l}), 0) AS ${l}`).join(", ")}
    FROM execution_stats WHERE project_id = ? AND minute >= ?`;
  const [states, ...shards] = await Promise.all([
    env.DB.prepare(
      `SELECT state, COUNT(*) AS n FROM tasks WHERE project_id = ? AND deleted_at IS NULL
       GROUP BY state`,
    )
      .bind(projectId)
      .all<{ state: TaskState; n: number }>(),
    ...historyShards(env).map((db) =>
      db.prepare(sums).bind(projectId, from).first<Record<string, number>>(),
    ),
  ]);
  const tasks = { active: 0, paused: 0, completed: 0, cancelled: 0, failed: 0 };
  for (const { state, n } of states.results) tasks[state] = n;
  const executions = { total: 0, succeeded: 0, failed: 0 };
  const lateness = new Array<number>(LATENESS_BUCKETS).fill(0);
  for (const row of shards) {
    if (!row) continue;
    executions.total += row.total ?? 0;
    executions.succeeded += row.succeeded ?? 0;
    executions.failed += row.failed ?? 0;
    LATENESS.forEach((l, i) => {
      lateness[i] = (lateness[i] ?? 0) + (row[l] ?? 0);
    });
  }
  return {
    window,
    tasks,
    executions,
    lateness_ms: { p50: latenessQuantile(lateness, 0.5), p99: latenessQuantile(lateness, 0.99) },
  };
}

/** Drop aggregates past their retention, one bounded statement per project and shard. */
export async function purgeStatsBefore(env: Env, cutoff: number): Promise<void> {
  const { results } = await env.DB.prepare("SELECT id FROM projects").all<{ id: string }>();
  if (results.length === 0) return;
  await Promise.all(
    historyShards(env).map((db) => {
      const drop = db.prepare("DELETE FROM execution_stats WHERE project_id = ? AND minute < ?");
      return db.batch(results.map(({ id }) => drop.bind(id, cutoff)));
    }),
  );
}
