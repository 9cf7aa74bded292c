import { meter } from "../metering";
import type { SealedChunk, SpillStore } from "./outbox";

/** Which SQL tables the object's storage holds (the task object's store keeps the record). */
export interface StorageTables {
  has(name: string): boolean;
  /** Run `ddl`, which creates table `name`, unless the storage holds it already. */
  create(name: string, ddl: string): void;
}

const TABLE = "history_spill";

/**
 * The outbox's overflow in the object's SQLite storage: sealed chunks waiting out a Queue or D1
 * outage, one row each. The table is made on first use, so objects that never need it (and
 * objects holding no task) keep no storage for it.
 */
export class SqlSpillStore implements SpillStore {
  private total: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: StorageTables,
  ) {}

  private get exists(): boolean {
    return this.tables.has(TABLE);
  }

  put(chunk: SealedChunk): void {
    this.tables.create(
      TABLE,
      `CREATE TABLE IF NOT EXISTS ${TABLE} (seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, body TEXT NOT NULL)`,
    );
    this.sql.exec(
      `INSERT OR REPLACE INTO ${TABLE} (seq, count, body) VALUES (?, ?, ?)`,
      chunk.seq,
      chunk.count,
      chunk.body,
    );
    meter("do_rows_written");
    this.total = this.bytes() + chunk.body.length;
  }

  delete(seq: number): boolean {
    if (!this.exists) return false;
    const row = this.sql
      .exec<{ n: number }>(`SELECT length(body) AS n FROM ${TABLE} WHERE seq = ?`, seq)
      .toArray()[0];
    if (!row) return false;
    this.sql.exec(`DELETE FROM ${TABLE} WHERE seq = ?`, seq);
    meter("do_rows_written");
    if (this.total !== null) this.total -= row.n;
    return true;
  }

  oldest(limit: number): SealedChunk[] {
    if (!this.exists) return [];
    return this.sql
      .exec<{ seq: number; count: number; body: string }>(
        `SELECT seq, count, body FROM ${TABLE} ORDER BY seq LIMIT ?`,
        Math.min(limit, 1_000_000),
      )
      .toArray()
      .map((r) => ({ ...r, sent_at: null, tries: 0 }));
  }

  bytes(): number {
    if (!this.exists) return 0;
    this.total ??= this.sql
      .exec<{ n: number }>(`SELECT COALESCE(SUM(length(body)), 0) AS n FROM ${TABLE}`)
      .one().n;
    return this.total;
  }
}
