import type { AttemptRecord } from "../core/history";
import type { PendingChunk } from "./outbox";
import { type ChunkOwner, type CompactAttempt, decodeAttempts } from "./records";
import { historyShards, shardDatabase } from "./shards";

// Reading history back: a task's attempts from its shard, and a project's from every shard,
// merged newest first. Attempts are stored in chunks (./records.ts); each has an ordinal
// within its task incarnation (the chunk's seq plus its place in the chunk), which keyset
// cursors use. docs/architecture.md has the layout.

/** No chunk spans more than this from its first attempt's start to its last's. */
export const MAX_CHUNK_SPAN_MS = 60_000;
/** Chunks read per query while filling a page. */
const CHUNK_PAGE = 16;

/** Where one task incarnation's history is. */
export interface TaskHistory {
  taskId: string;
  projectId: string;
  createdAt: number;
  shard: number;
}

/** An attempt with its place in its task's history. */
export interface PlacedAttempt {
  record: AttemptRecord;
  ordinal: number;
}

interface ChunkRow {
  task_id: string;
  created_at: number;
  seq: number;
  project_id: string;
  last_started: number;
  body: string;
}

function placed(chunk: Omit<ChunkOwner, "shard"> & { seq: number; attempts: CompactAttempt[] }) {
  return decodeAttempts(chunk, chunk.attempts).map(
    (record, i): PlacedAttempt => ({ record, ordinal: chunk.seq + i }),
  );
}

function placedRow(row: ChunkRow): PlacedAttempt[] {
  return placed({ ...row, attempts: JSON.parse(row.body) as CompactAttempt[] });
}

function outcomeFilter(successful: boolean | undefined): string {
  if (successful === undefined) return "";
  return successful ? " AND failures < attempts" : " AND failures > 0";
}

/**
 * A task's attempts its object still holds (./outbox.ts), placed, newest first, and the seqs
 * of their chunks: a chunk both held and in D1 (written, not yet acknowledged) is read once.
 */
function placePending(task: TaskHistory, pending: readonly PendingChunk[]) {
  const owner = { task_id: task.taskId, created_at: task.createdAt, project_id: task.projectId };
  const attempts = pending
    .flatMap((chunk) => placed({ ...owner, seq: chunk.seq, attempts: chunk.attempts }))
    .sort((a, b) => b.ordinal - a.ordinal);
  return { attempts, seqs: new Set(pending.map((c) => c.seq)) };
}

/**
 * A page of one task's attempts, newest first: up to `limit` attempts with an ordinal below
 * `before`, and whether more follow — D1's merged with those its object still holds
 * (`pending`).
 */
export async function listTaskAttempts(
  env: Env,
  task: TaskHistory,
  query: { limit: number; before?: number; successful?: boolean },
  pending: readonly PendingChunk[] = [],
): Promise<{ attempts: PlacedAttempt[]; more: boolean }> {
  const db = shardDatabase(env, task.shard);
  const sql = `SELECT task_id, created_at, seq, project_id, last_started, body FROM history
    WHERE task_id = ? AND created_at = ? AND project_id = ? AND seq < ?${outcomeFilter(query.successful)}
    ORDER BY seq DESC LIMIT ${CHUNK_PAGE}`;
  const wanted = (a: PlacedAttempt) =>
    (query.before === undefined || a.ordinal < query.before) &&
    (query.successful === undefined || a.record.successful === query.successful);
  const held = placePending(task, pending);
  const heldWanted = held.attempts.filter(wanted);
  const out: PlacedAttempt[] = [];
  /** Emit `a`, after every held attempt newer than it; true once the page is full. */
  const emit = (a: PlacedAttempt | null): boolean => {
    while (heldWanted.length > 0 && (a === null || (heldWanted[0]?.ordinal ?? 0) > a.ordinal)) {
      const next = heldWanted.shift();
      if (next) out.push(next);
      if (out.length > query.limit) return true;
    }
    if (a) out.push(a);
    return out.length > query.limit;
  };
  let before = query.before ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const { results } = await db
      .prepare(sql)
      .bind(task.taskId, task.createdAt, task.projectId, before)
      .all<ChunkRow>();
    for (const row of results) {
      before = row.seq;
      if (held.seqs.has(row.seq)) continue;
      for (const a of placedRow(row).reverse()) {
        if (wanted(a) && emit(a)) return { attempts: out.slice(0, query.limit), more: true };
      }
    }
    if (results.length < CHUNK_PAGE) {
      if (emit(null)) return { attempts: out.slice(0, query.limit), more: true };
      return { attempts: out, more: false };
    }
  }
}

/** A page of one task's attempts by offset (newest first), for the dialects that page so. */
export async function pageTaskAttempts(
  env: Env,
  task: TaskHistory,
  window: { limit: number; offset: number },
  pending: readonly PendingChunk[] = [],
): Promise<{ total: number; results: AttemptRecord[] }> {
  const held = placePending(task, pending);
  const seqs = [...held.seqs];
  const row = await shardDatabase(env, task.shard)
    .prepare(
      `SELECT COALESCE(SUM(attempts), 0) AS n, MAX(seq + attempts) AS top FROM history
       WHERE task_id = ? AND created_at = ? AND project_id = ?
       AND seq NOT IN (${seqs.map(() => "?").join(", ")})`,
    )
    .bind(task.taskId, task.createdAt, task.projectId, ...seqs)
    .first<{ n: number; top: number | null }>();
  const total = (row?.n ?? 0) + held.attempts.length;
  const newest = held.attempts[0]?.ordinal;
  const top = Math.max(newest === undefined ? -1 : newest + 1, row?.top ?? -1);
  if (top < 0 || window.offset >= total) return { total, results: [] };
  // Ordinals are consecutive from the newest down, so an offset is an ordinal bound.
  const { attempts } = await listTaskAttempts(
    env,
    task,
    { limit: window.limit, before: top - window.offset },
    pending,
  );
  return { total, results: attempts.map((a) => a.record) };
}

/** Where a project-wide page starts: strictly older than this attempt. */
export type ProjectCursor = [startedAt: number, taskId: string, ordinal: number];

export interface ProjectHistoryQuery {
  limit: number;
  after?: ProjectCursor;
  successful?: boolean;
  taskId?: string;
  /** Only these tasks' attempts (bound as one JSON parameter: D1 binds at most 100). */
  taskIds?: string[];
  /** Attempts started at or after this… */
  since?: number;
  /** …and at or before this. */
  until?: number;
}

/** Sort order of project-wide history: newest first, then by task and place, descending. */
function newerFirst(a: { key: ProjectCursor }, b: { key: ProjectCursor }): number {
  if (a.key[0] !== b.key[0]) return b.key[0] - a.key[0];
  if (a.key[1] !== b.key[1]) return a.key[1] < b.key[1] ? 1 : -1;
  return b.key[2] - a.key[2];
}

function olderThan(key: ProjectCursor, cursor: ProjectCursor | undefined): boolean {
  if (!cursor) return true;
  return newerFirst({ key: cursor }, { key }) < 0;
}

interface ShardReader {
  db: D1Database;
  /** Chunks not yet read have a last start at or below this. */
  frontier: number;
  /** Keyset position of the last chunk read. */
  last: [number, string, number, number] | null;
  done: boolean;
}

/**
 * A page of a project's attempts across every shard, newest first. Each shard is read in
 * chunk order (latest last start first); an attempt is emitted once no unread chunk of any
 * shard can hold a newer one, so the merge is exact with bounded reads.
 */
export async function listProjectAttempts(
  env: Env,
  projectId: string,
  query: ProjectHistoryQuery,
): Promise<{ attempts: (PlacedAttempt & { key: ProjectCursor })[]; more: boolean }> {
  const upper = Math.min(
    query.after ? query.after[0] : Number.MAX_SAFE_INTEGER,
    query.until ?? Number.MAX_SAFE_INTEGER,
  );
  const conditions = ["project_id = ?", "last_started <= ?"];
  const params: unknown[] = [
    projectId,
    Math.min(upper + MAX_CHUNK_SPAN_MS, Number.MAX_SAFE_INTEGER),
  ];
  if (query.since !== undefined) {
    conditions.push("last_started >= ?");
    params.push(query.since);
  }
  if (query.taskId !== undefined) {
    conditions.push("task_id = ?");
    params.push(query.taskId);
  }
  if (query.taskIds !== undefined) {
    conditions.push("task_id IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(query.taskIds));
  }
  const base = `SELECT task_id, created_at, seq, project_id, last_started, body FROM history
    WHERE ${conditions.join(" AND ")}${outcomeFilter(query.successful)}`;
  const readers: ShardReader[] = historyShards(env).map((db) => ({
    db,
    frontier: Number.POSITIVE_INFINITY,
    last: null,
    done: false,
  }));
  const candidates: (PlacedAttempt & { key: ProjectCursor })[] = [];
  const out: (PlacedAttempt & { key: ProjectCursor })[] = [];

  const fetch = async (reader: ShardReader) => {
    const keyset = reader.last
      ? " AND (last_started, task_id, created_at, seq) < (?, ?, ?, ?)"
      : "";
    const sql = `${base}${keyset} ORDER BY last_started DESC, task_id DESC, created_at DESC,
      seq DESC LIMIT ${CHUNK_PAGE}`;
    const { results } = await reader.db
      .prepare(sql)
      .bind(...params, ...(reader.last ?? []))
      .all<ChunkRow>();
    for (const row of results) {
      for (const a of placedRow(row)) {
        const key: ProjectCursor = [a.record.started_at, a.record.task_id, a.ordinal];
        if (!olderThan(key, query.after)) continue;
        if (query.since !== undefined && a.record.started_at < query.since) continue;
        if (query.until !== undefined && a.record.started_at > query.until) continue;
        if (query.successful !== undefined && a.record.successful !== query.successful) continue;
        candidates.push({ ...a, key });
      }
      reader.last = [row.last_started, row.task_id, row.created_at, row.seq];
      reader.frontier = row.last_started;
    }
    if (results.length < CHUNK_PAGE) reader.done = true;
    candidates.sort(newerFirst);
  };

  for (;;) {
    const open = readers.filter((r) => !r.done);
    const bound = open.reduce((m, r) => Math.max(m, r.frontier), Number.NEGATIVE_INFINITY);
    while (candidates.length > 0 && (candidates[0]?.key[0] ?? 0) > bound) {
      const next = candidates.shift();
      if (next) out.push(next);
      if (out.length > query.limit) return { attempts: out.slice(0, query.limit), more: true };
    }
    const reader = open.find((r) => r.frontier === bound);
    if (!reader) return { attempts: out, more: false };
    await fetch(reader);
  }
}
