// Reads Belfry's local D1 files directly (node:sqlite, read-only) to count the calls a scenario
// recorded and the bytes its history takes. Every `.sqlite` file of the dev server's local D1
// is opened, so history spread over several shards is counted whole.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** Where `wrangler dev --persist-to <dir>` keeps local D1 databases. */
function d1Files(persistTo: string): string[] {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
    .map((f) => join(dir, f));
}

function withDatabase<T>(file: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    return read(db);
  } finally {
    db.close();
  }
}

/** Belfry's history: one row per chunk of a task's attempts (docs/architecture.md). */
const HISTORY_TABLE = "history";
/** Attempts of a chunk that were their call's last (flag FINAL of src/history/records.ts). */
const FINAL_ATTEMPTS_OF_ROW = `(SELECT COUNT(*) FROM json_each(${HISTORY_TABLE}.body)
  WHERE (json_extract(json_each.value, '$[10]') & 4) != 0)`;

function hasHistory(db: DatabaseSync): boolean {
  return (
    db
      .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
      .get(HISTORY_TABLE) !== undefined
  );
}

/** What the history holds, over every shard. */
export interface HistoryFootprint {
  /** Bytes of the history table and its indexes, in whole pages (what D1 bills as storage). */
  bytes: number;
  /** Rows of the history table. */
  rows: number;
  /** B-trees one history row is written to: the table and each of its indexes. */
  btreesPerRow: number;
}

/** Pages of the history table and its indexes, and its rows, summed over every shard. */
export function historyFootprint(persistTo: string): HistoryFootprint {
  let bytes = 0;
  let rows = 0;
  let btreesPerRow = 1;
  for (const file of d1Files(persistTo)) {
    withDatabase(file, (db) => {
      if (!hasHistory(db)) return;
      const names = db
        .prepare("SELECT name FROM sqlite_schema WHERE tbl_name = ? AND type IN ('table', 'index')")
        .all(HISTORY_TABLE)
        .map((r) => String(r.name));
      btreesPerRow = names.length;
      const placeholders = names.map(() => "?").join(", ");
      const pages = db
        .prepare(
          `SELECT COALESCE(SUM(pgsize), 0) AS bytes FROM dbstat WHERE name IN (${placeholders})`,
        )
        .get(...names);
      bytes += Number(pages?.bytes ?? 0);
      const count = db.prepare(`SELECT COUNT(*) AS n FROM ${HISTORY_TABLE}`).get();
      rows += Number(count?.n ?? 0);
    });
  }
  return { bytes, rows, btreesPerRow };
}

/**
 * Calls recorded in the history for the given projects, over every shard: attempts, or with
 * `finalOnly` only each call's last attempt (slower: it reads every chunk's records).
 */
export function recordedCalls(
  persistTo: string,
  projectIds: readonly string[],
  finalOnly = false,
): number {
  if (projectIds.length === 0) return 0;
  const placeholders = projectIds.map(() => "?").join(", ");
  const perRow = finalOnly ? FINAL_ATTEMPTS_OF_ROW : "attempts";
  let calls = 0;
  for (const file of d1Files(persistTo)) {
    withDatabase(file, (db) => {
      if (!hasHistory(db)) return;
      const row = db
        .prepare(
          `SELECT COALESCE(SUM(${perRow}), 0) AS n FROM ${HISTORY_TABLE}
           WHERE project_id IN (${placeholders})`,
        )
        .get(...projectIds);
      calls += Number(row?.n ?? 0);
    });
  }
  return calls;
}
