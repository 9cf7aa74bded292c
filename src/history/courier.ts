import type { Config } from "../config";
import type { AttemptRecord } from "../core/history";
import { meter } from "../metering";
import type { ChunkHeader } from "./index-row";
import {
  DEFAULT_OUTBOX_SETTINGS,
  deliveryDelaySeconds,
  emptyOutbox,
  Outbox,
  type OutboxState,
  type PendingChunk,
} from "./outbox";
import { type ChunkOwner, encodeAttempt, type HistoryChunk } from "./records";
import { SqlSpillStore, type StorageTables } from "./spill-store";
import { writeChunks } from "./writer";

/** The largest serialised attempt an outbox takes (a Queue message holds 128 KB). */
const MAX_ATTEMPT_BYTES = 64_000;

/** What the courier needs from the object that hosts it. */
export interface CourierHost {
  env(): Env;
  sql: SqlStorage;
  /** The tables the object's storage holds. */
  tables: StorageTables;
  waitUntil(promise: Promise<unknown>): void;
  /** The object's alarm may need to move: the outbox's next send changed. */
  rearm(): void;
  /** The header a chunk is sealed with now: the task's ids and progress. */
  header(): ChunkHeader;
}

export type CourierSettings = Pick<
  Config,
  "historyFlushMs" | "historyBodyBytes" | "historyMaxPerTask"
>;

/**
 * A task's records on their way to D1 (docs/architecture.md): attempts go into the outbox,
 * sealed chunks to the history queue — without holding up the task's next call — and, before a
 * task's storage is deleted, straight to D1. The object stores `state()` with its own writes.
 */
export class HistoryCourier {
  private outbox: Outbox;
  private sending = false;

  constructor(
    private readonly host: CourierHost,
    private readonly settings: CourierSettings,
    state: OutboxState = emptyOutbox(),
  ) {
    this.outbox = this.open(state);
  }

  private open(state: OutboxState): Outbox {
    return new Outbox(state, new SqlSpillStore(this.host.sql, this.host.tables), {
      ...DEFAULT_OUTBOX_SETTINGS,
      flushMs: this.settings.historyFlushMs,
    });
  }

  /** What to store with the object's next write. */
  state(): OutboxState {
    return this.outbox.state();
  }

  isEmpty(): boolean {
    return this.outbox.isEmpty();
  }

  /** Start afresh (a new task in this object). */
  reset(): void {
    this.outbox = this.open(emptyOutbox());
  }

  /**
   * Add one attempt. A chunk is sealed before it when the attempt would not fit it, and after
   * it when the task's state changed (the index learns of it with this chunk) or the chunk is
   * due, given the task's next call at `nextWake`.
   */
  record(
    attempt: AttemptRecord,
    owner: Pick<ChunkOwner, "task_id" | "created_at">,
    sealNow: boolean,
    nextWake: number | null,
  ): void {
    const { historyBodyBytes } = this.settings;
    const encoded = encodeAttempt(attempt, owner, historyBodyBytes, MAX_ATTEMPT_BYTES);
    if (!this.outbox.fits(attempt.started_at, encoded.length)) this.outbox.seal(this.host.header());
    this.outbox.add(encoded, attempt.started_at);
    if (sealNow || this.outbox.shouldSeal(Date.now(), nextWake)) {
      this.outbox.seal(this.host.header());
    }
  }

  /** Seal the open chunk when it is due (or `force`). True when it did. */
  sealIfDue(nextWake: number | null, force = false): boolean {
    if (!force && !this.outbox.shouldSeal(Date.now(), nextWake)) return false;
    this.outbox.seal(this.host.header());
    return true;
  }

  /** Attempts held that D1 may not have yet (see Outbox.pending). */
  pending(): PendingChunk[] {
    return this.outbox.pending();
  }

  /** The history writer has these chunks in D1; true when any was still held. */
  acknowledge(seqs: readonly number[]): boolean {
    return this.outbox.acknowledge(seqs);
  }

  /**
   * When the outbox next needs the object's attention: not while a send is under way, since
   * its end re-arms the object (an alarm meanwhile would only find the send already made).
   */
  wakeAt(now: number): number | null {
    return this.sending ? null : this.outbox.wakeAt(now);
  }

  /** Hand due chunks to the history queue in the background; back off when it refuses. */
  flush(): void {
    if (this.sending) return;
    const batches = this.outbox.due(Date.now());
    if (batches.length === 0) return;
    this.sending = true;
    const sending = (async () => {
      let sizes: number[] = [];
      const { historyFlushMs } = this.settings;
      try {
        for (const batch of batches) {
          sizes = batch.map((c) => c.body.length);
          await this.host.env().HISTORY.sendBatch(
            batch.map((c) => ({
              body: c.body,
              contentType: "text" as const,
              delaySeconds: deliveryDelaySeconds(historyFlushMs, Math.random()),
            })),
          );
          meter("queue_messages", batch.length);
          meter(
            "queue_bytes",
            sizes.reduce((n, b) => n + b, 0),
          );
          this.outbox.markSent(batch, Date.now());
        }
      } catch (error) {
        console.error(
          JSON.stringify({ event: "history_send_failed", error: String(error), sizes }),
        );
        this.outbox.markFailed(Date.now());
      } finally {
        this.sending = false;
        this.host.rearm();
      }
    })();
    this.host.waitUntil(sending);
  }

  /**
   * Write every chunk held — after sealing the open one, with `extra` in its header — straight
   * to D1, or, failing that, to the queue; throws when both fail, so the caller keeps the task.
   */
  async handOver(extra: Pick<ChunkHeader, "task"> = {}): Promise<void> {
    this.outbox.seal({ ...this.host.header(), ...extra });
    const chunks = this.outbox.allSealed();
    try {
      const parsed = chunks.map((c) => JSON.parse(c.body) as HistoryChunk);
      await writeChunks(this.host.env(), parsed, { maxPerTask: this.settings.historyMaxPerTask });
    } catch (error) {
      console.error(JSON.stringify({ event: "history_write_failed", error: String(error) }));
      await this.host
        .env()
        .HISTORY.sendBatch(chunks.map((c) => ({ body: c.body, contentType: "text" as const })));
    }
  }
}
