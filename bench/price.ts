// The price of one million calls at Cloudflare's Workers Paid list prices (docs/performance.md
// states the model and its assumptions).

/** List prices in US dollars. */
export const LIST_PRICES = {
  doRequestsPerMillion: 0.15,
  doGbSecondsPerMillion: 12.5,
  rowsWrittenPerMillion: 1.0,
  queueOperationsPerMillion: 0.4,
  d1StorageGbMonth: 0.75,
} as const;

/** Durable Object duration is billed at 128 MB per active object, in GB of 1 000 MB. */
const DO_GB = 0.128;
/** A Queue message is written, read and deleted: 3 operations per 64 KB. */
const QUEUE_OPERATIONS_PER_MESSAGE = 3;
const QUEUE_UNIT_BYTES = 64 * 1024;
const DAYS_PER_MONTH = 30;

/** Anchors printed beside the price, per million. */
export const ANCHORS = [
  { name: "QStash (pay as you go)", usdPerMillion: 10 },
  { name: "EventBridge Scheduler", usdPerMillion: 1 },
] as const;

/** Billable operations of one call, averaged over a scenario. */
export interface PerCall {
  doRequests: number;
  doRowsWritten: number;
  /** setAlarm calls: shown, not priced (Cloudflare's price list bills no row for them). */
  doAlarmWrites: number;
  /** Wall time an object is active per call (ms): the alarm's, and any RPC's. */
  doWallMs: number;
  d1RowsWritten: number;
  /** D1 rows the retention purge will write later to delete this call's history. */
  d1PurgeRows: number;
  queueMessages: number;
  queueBytes: number;
  /** Bytes of D1 history this call adds, kept for the retention period. */
  d1Bytes: number;
}

export interface PriceLine {
  item: string;
  perCall: number;
  unit: string;
  usdPerMillionCalls: number;
}

/** The price of one million calls, line by line, with history kept `retentionDays`. */
export function pricePerMillion(c: PerCall, retentionDays: number): PriceLine[] {
  const queueOps =
    QUEUE_OPERATIONS_PER_MESSAGE * Math.max(c.queueMessages, c.queueBytes / QUEUE_UNIT_BYTES);
  const gbSeconds = (c.doWallMs / 1000) * DO_GB;
  const gbMonths = (c.d1Bytes / 1e9) * (retentionDays / DAYS_PER_MONTH);
  const rows = c.doRowsWritten + c.d1RowsWritten + c.d1PurgeRows;
  return [
    {
      item: "DO requests (alarms, RPC calls)",
      perCall: c.doRequests,
      unit: "requests",
      usdPerMillionCalls: c.doRequests * LIST_PRICES.doRequestsPerMillion,
    },
    {
      item: "DO duration (128 MB x wall time)",
      perCall: gbSeconds,
      unit: "GB-s",
      usdPerMillionCalls: gbSeconds * LIST_PRICES.doGbSecondsPerMillion,
    },
    {
      item: "rows written (DO SQLite + D1 + later purge)",
      perCall: rows,
      unit: "rows",
      usdPerMillionCalls: rows * LIST_PRICES.rowsWrittenPerMillion,
    },
    {
      item: "Queue operations",
      perCall: queueOps,
      unit: "operations",
      usdPerMillionCalls: queueOps * LIST_PRICES.queueOperationsPerMillion,
    },
    {
      item: `D1 storage (${retentionDays} days kept)`,
      perCall: gbMonths,
      unit: "GB-months",
      // Per call the product is tiny; per million calls it is the stored GB-months x price.
      usdPerMillionCalls: gbMonths * 1e6 * LIST_PRICES.d1StorageGbMonth,
    },
  ];
}
