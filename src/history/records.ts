import type { AttemptRecord, TaskIndexEntry } from "../core/history";
import type { TaskProgress } from "../core/task-view";
import { executionIdPrefix } from "../core/timers";

// How an attempt travels from its task's object to D1, compactly: one positional array per
// attempt, several attempts per chunk, one chunk per Queue message and per D1 row. The task's
// ids are said once per chunk, and the execution id only by what follows the task's prefix.
// docs/architecture.md describes the whole path.

const SUCCESSFUL = 1;
const TRUNCATED = 2;
const FINAL = 4;

/** One attempt inside a chunk. */
export type CompactAttempt = [
  /** The execution id after the task incarnation's prefix. */
  suffix: string,
  number: number,
  attempt: number,
  scheduledAt: number,
  startedAt: number,
  durationMs: number,
  statusCode: number | null,
  error: string | null,
  headers: Record<string, string>,
  body: string,
  /** SUCCESSFUL | TRUNCATED | FINAL */
  flags: number,
];

/** Which task incarnation a chunk's attempts belong to. */
export interface ChunkOwner {
  task_id: string;
  project_id: string;
  /** The incarnation: a task re-created under the same id starts a new history. */
  created_at: number;
  /** The history shard the task's attempts are kept in. */
  shard: number;
}

/** A chunk as a Queue message carries it. */
export interface HistoryChunk extends ChunkOwner {
  /** The ordinal of the chunk's first attempt within the incarnation (0, 1, 2, …). */
  seq: number;
  attempts: CompactAttempt[];
  /** The task's progress when the chunk was sealed: the index row's counters. */
  progress?: { progress: TaskProgress; wake_at: number | null };
  /** The whole index row, when writing it directly failed. */
  task?: TaskIndexEntry;
}

const encoder = new TextEncoder();

/** `text` cut to at most `bytes` UTF-8 bytes, never inside a character. */
export function cutToBytes(text: string, bytes: number): string {
  // Each UTF-16 unit is at most three UTF-8 bytes: short strings need no encoding.
  if (text.length * 3 <= bytes) return text;
  const encoded = encoder.encode(text);
  if (encoded.length <= bytes) return text;
  let end = bytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(encoded.subarray(0, end));
}

/**
 * An attempt serialised for the outbox: the body cut to `bodyBytes`, and the whole record cut
 * further (body, then headers) until it takes at most `maxBytes` — a record that could never
 * be handed over is shrunk, never retried forever.
 */
export function encodeAttempt(
  record: AttemptRecord,
  owner: Pick<ChunkOwner, "task_id" | "created_at">,
  bodyBytes: number,
  maxBytes: number,
): string {
  const suffix = record.execution_id.slice(
    executionIdPrefix(owner.task_id, owner.created_at).length,
  );
  let body = cutToBytes(record.response.body, bodyBytes);
  let headers = record.response.headers;
  let truncated = record.response.truncated || body.length < record.response.body.length;
  for (;;) {
    const flags =
      (record.successful ? SUCCESSFUL : 0) |
      (truncated ? TRUNCATED : 0) |
      (record.final ? FINAL : 0);
    const compact: CompactAttempt = [
      suffix,
      record.number,
      record.attempt,
      record.scheduled_at,
      record.started_at,
      record.duration_ms,
      record.status_code,
      record.error === null ? null : cutToBytes(record.error, 1024),
      headers,
      body,
      flags,
    ];
    const json = JSON.stringify(compact);
    if (json.length <= maxBytes || (body === "" && Object.keys(headers).length === 0)) return json;
    truncated = true;
    if (body !== "") body = body.slice(0, Math.floor(body.length / 2));
    else headers = {};
  }
}

/** The attempts of a chunk row, as the API shows them. */
export function decodeAttempts(owner: Omit<ChunkOwner, "shard">, attempts: CompactAttempt[]) {
  const prefix = executionIdPrefix(owner.task_id, owner.created_at);
  return attempts.map((a): AttemptRecord => {
    const [suffix, number, attempt, scheduledAt, startedAt, durationMs, statusCode, error] = a;
    const executionId = `${prefix}${suffix}`;
    return {
      id: `${executionId}:${attempt}`,
      execution_id: executionId,
      task_id: owner.task_id,
      project_id: owner.project_id,
      number,
      attempt,
      scheduled_at: scheduledAt,
      started_at: startedAt,
      duration_ms: durationMs,
      lateness_ms: Math.max(0, startedAt - scheduledAt),
      status_code: statusCode,
      successful: (a[10] & SUCCESSFUL) !== 0,
      error,
      response: { headers: a[8], body: a[9], truncated: (a[10] & TRUNCATED) !== 0 },
      final: (a[10] & FINAL) !== 0,
    };
  });
}

/** Whether a compact attempt succeeded, without decoding it. */
export function attemptSucceeded(a: CompactAttempt): boolean {
  return (a[10] & SUCCESSFUL) !== 0;
}

/** When a compact attempt started. */
export function attemptStartedAt(a: CompactAttempt): number {
  return a[4];
}

/**
 * Progress as the index keeps it: the last response's body cut to `bytes` (as text), so a large
 * answer is not stored again in every index row and chunk. The task's own view shows it whole.
 */
export function indexedProgress(progress: TaskProgress, bytes: number): TaskProgress {
  const last = progress.last_response;
  if (!last || last.body === null || last.body === undefined) return progress;
  const text = typeof last.body === "string" ? last.body : JSON.stringify(last.body);
  if (text.length <= bytes / 3) return progress;
  const cut = cutToBytes(text, bytes);
  if (cut.length === text.length) return progress;
  return { ...progress, last_response: { status_code: last.status_code, body: cut } };
}
