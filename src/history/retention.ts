import { meter } from "../metering";
import { historyShards } from "./shards";

/** Chunks deleted per statement, and statements per shard per sweep: the purge is bounded. */
const PURGE_CHUNK = 500;
const PURGE_ROUNDS = 20;

/**
 * Delete history older than `cutoff` on every shard, in bounded steps. Chunks are inserted in
 * time order, so the oldest rows (lowest rowids) go first; the purge stops at the first step
 * that finds nothing old enough. Answers how many chunks went.
 */
export async function purgeHistoryBefore(env: Env, cutoff: number): Promise<number> {
  let purged = 0;
  for (const db of historyShards(env)) {
    for (let round = 0; round < PURGE_ROUNDS; round++) {
      const result = await db
        .prepare(
          `DELETE FROM history WHERE rowid IN
           (SELECT rowid FROM history ORDER BY rowid LIMIT ${PURGE_CHUNK}) AND last_started < ?`,
        )
        .bind(cutoff)
        .run();
      const changes = result.meta.changes ?? 0;
      meter("d1_rows_written", result.meta.rows_written ?? 0);
      purged += changes;
      if (changes === 0) break;
    }
  }
  return purged;
}
