import { notificationRetryAt } from "../core/notifications";
import { signPayload } from "../core/signing";
import { meter } from "../metering";
import { VERSION } from "../version";
import { deadline } from "./deadline";
import type { TableRecord } from "./task-store";

/** How long one callback or event delivery may take. */
const NOTIFY_TIMEOUT_MS = 10_000;
/** The most notifications a task keeps waiting; past it the oldest is dropped (and logged). */
const MAX_PENDING = 1_000;
const TABLE = "notifications";

type Pending = {
  seq: number;
  url: string;
  msg_id: string;
  body: string;
  tries: number;
  first_at: number;
  next_at: number;
};

/** What the notifier needs from the object that hosts it. */
export interface NotifierHost {
  sql: SqlStorage;
  /** The tables the object's storage holds. */
  tables: TableRecord;
  waitUntil(promise: Promise<unknown>): void;
  /** The project's signing secrets, at send time. */
  secrets(): Promise<string[]>;
  /** Why `url` may not be called now (the URL policy, applied again at send time), or null. */
  refuse(url: string): string | null;
  /** The object's alarm may need to move: the next delivery time changed. */
  rearm(): void;
}

/**
 * A task's callbacks and events (docs/schedules-and-delivery.md, "Callbacks and events"):
 * kept in the object's storage until the destination answers 2xx, sent one at a time in the
 * order they were queued, retried with backoff for up to 24 h, and never lost to a restart.
 * Delivery never holds up the task's own calls, and only the one being sent is in memory.
 */
export class Notifier {
  private sending = false;

  constructor(private readonly host: NotifierHost) {}

  private get exists(): boolean {
    return this.host.tables.has(TABLE);
  }

  /** Queue one signed POST of `payload` to `url` (written with the object's current write). */
  post(url: string, payload: unknown, now: number): void {
    const { sql, tables } = this.host;
    tables.create(
      TABLE,
      `CREATE TABLE IF NOT EXISTS ${TABLE} (seq INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL, msg_id TEXT NOT NULL, body TEXT NOT NULL, tries INTEGER NOT NULL,
        first_at INTEGER NOT NULL, next_at INTEGER NOT NULL)`,
    );
    sql.exec(
      `INSERT INTO ${TABLE} (url, msg_id, body, tries, first_at, next_at) VALUES (?, ?, ?, 0, ?, ?)`,
      url,
      `msg_${crypto.randomUUID()}`,
      JSON.stringify(payload),
      now,
      now,
    );
    meter("do_rows_written");
    const { n } = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${TABLE}`).one();
    if (n > MAX_PENDING) {
      sql.exec(`DELETE FROM ${TABLE} WHERE seq = (SELECT MIN(seq) FROM ${TABLE})`);
      meter("do_rows_written");
      console.warn(JSON.stringify({ event: "notification_dropped", reason: "too many waiting" }));
    }
  }

  private head(): Pending | null {
    if (!this.exists) return null;
    return (
      this.host.sql.exec<Pending>(`SELECT * FROM ${TABLE} ORDER BY seq LIMIT 1`).toArray()[0] ??
      null
    );
  }

  /** When the next delivery is due, or null when nothing waits. */
  wakeAt(): number | null {
    return this.head()?.next_at ?? null;
  }

  /** Deliver what is due, in order, in the background. */
  deliver(): void {
    if (this.sending || !this.exists) return;
    const head = this.head();
    if (!head || head.next_at > Date.now()) return;
    this.sending = true;
    const delivering = (async () => {
      try {
        let next: Pending | null = head;
        while (next && next.next_at <= Date.now()) {
          const refused = this.host.refuse(next.url);
          if (refused) {
            console.warn(JSON.stringify({ event: "notification_refused", error: refused }));
          }
          const ok = refused === null ? await send(next, await this.host.secrets()) : true;
          const now = Date.now();
          if (ok) {
            this.host.sql.exec(`DELETE FROM ${TABLE} WHERE seq = ?`, next.seq);
          } else {
            const retryAt = notificationRetryAt(next.first_at, next.tries + 1, now);
            if (retryAt === null) {
              this.host.sql.exec(`DELETE FROM ${TABLE} WHERE seq = ?`, next.seq);
              console.warn(JSON.stringify({ event: "notification_expired", msg_id: next.msg_id }));
            } else {
              this.host.sql.exec(
                `UPDATE ${TABLE} SET tries = tries + 1, next_at = ? WHERE seq = ?`,
                retryAt,
                next.seq,
              );
            }
          }
          meter("do_rows_written");
          next = this.head();
        }
      } finally {
        this.sending = false;
        this.host.rearm();
      }
    })();
    this.host.waitUntil(delivering);
  }
}

async function send(item: Pending, secrets: readonly string[]): Promise<boolean> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = new Headers({
    "content-type": "application/json",
    "user-agent": `Belfry/${VERSION}`,
    "webhook-id": item.msg_id,
    "webhook-timestamp": String(timestamp),
  });
  if (secrets.length > 0) {
    headers.set("webhook-signature", await signPayload(secrets, item.msg_id, timestamp, item.body));
  }
  const limit = deadline(NOTIFY_TIMEOUT_MS);
  try {
    const response = await fetch(item.url, {
      method: "POST",
      headers,
      body: item.body,
      signal: limit.signal,
      redirect: "manual",
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    // A network failure or a timeout is retried like a non-2xx answer.
    return false;
  } finally {
    limit.clear();
  }
}
