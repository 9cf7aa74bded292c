/**
 * Counts of the billable operations this isolate performed, for `npm run bench`'s price of a
 * call (docs/performance.md). Locally every object and handler of the Worker runs in one
 * isolate, so the counts cover the whole dev server; in a deploy they are per isolate and
 * nothing reads them. Counting is a few additions per call, so it is always on.
 */
export type MeteredOperation =
  /** An alarm invocation or an RPC call into a TaskObject. */
  | "do_requests"
  /** Rows written to a TaskObject's SQLite storage (each kv put, each SQL row written). */
  | "do_rows_written"
  /** setAlarm / deleteAlarm calls (not billed as rows by Cloudflare's price list; shown apart). */
  | "do_alarm_writes"
  /** Rows written to D1, as D1 reports them (`meta.rows_written`, indexes included). */
  | "d1_rows_written"
  /** Messages sent to the history queue, and their bytes (a Queue operation is per 64 KB). */
  | "queue_messages"
  | "queue_bytes"
  /** Attempts made (requests sent to targets). */
  | "calls"
  /** Milliseconds an alarm spent making its calls: the wall time Durable Object duration bills. */
  | "do_wall_ms"
  /**
   * Credential lookups in D1 (an API key this isolate has not verified lately, a link's token),
   * each made only after the request passed its address's limit.
   */
  | "d1_credential_lookups";

const counts = new Map<MeteredOperation, number>();

/** Add `n` to an operation's count. */
export function meter(operation: MeteredOperation, n = 1): void {
  counts.set(operation, (counts.get(operation) ?? 0) + n);
}

/** Every count so far. */
export function meterReadings(): Record<string, number> {
  return Object.fromEntries(counts);
}
