// A task's outbox: the attempts its object has made and the history writer has not yet put
// in D1. Attempts gather in an open chunk; a sealed chunk is one Queue message and stays here
// until the writer acknowledges it, since a queue may lose what it has not yet delivered.
// Pure: the object persists `state()` in its one storage write per call, and lends a
// SpillStore for the backlog of an outage. docs/architecture.md describes the protocol.

import type { CompactAttempt } from "./records";

/** The most bytes of one Queue message Belfry sends (the Queue's own limit is 128 KB). */
export const MAX_MESSAGE_BYTES = 100_000;
/** The most bytes and messages of one sendBatch (the Queue's limits: 256 KB, 100 messages). */
export const MAX_BATCH_BYTES = 250_000;
export const MAX_BATCH_MESSAGES = 100;

export interface OutboxSettings {
  /** An open chunk is sealed once its oldest attempt is this old. */
  flushMs: number;
  /** An open chunk is sealed at this many attempts... */
  maxAttempts: number;
  /** ...or this many bytes of attempts (leaving room in a message for the rest). */
  maxChunkBytes: number;
  /** Sealed chunks kept in the object's one stored value; older ones go to the SpillStore. */
  maxInlineBytes: number;
  /** The most bytes the SpillStore holds; past it the oldest chunks are dropped and counted. */
  maxSpilledBytes: number;
  /** A sent chunk not acknowledged within this (doubling per try) is sent again. */
  ackTimeoutMs: number;
  /** After a failed send, wait this long, doubling per failure up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = {
  flushMs: 30_000,
  maxAttempts: 64,
  // A chunk's header (ids and the task's progress) takes the rest of a message.
  maxChunkBytes: MAX_MESSAGE_BYTES - 10_000,
  maxInlineBytes: 64_000,
  maxSpilledBytes: 16_000_000,
  ackTimeoutMs: 30_000,
  backoffMs: 5_000,
  maxBackoffMs: 300_000,
};

/** The longest the queue holds a chunk back before the history writer takes it. */
const MAX_DELIVERY_DELAY_SECONDS = 5;

/**
 * How long the queue holds a chunk back before delivering it to the history writer, drawn at
 * random (`random` in [0, 1)) from whole seconds up to a sixth of the flush interval, at most
 * 5 s. Tasks that seal together — one-time tasks created in one batch, tasks on the same cron,
 * tasks that finish in the same second — so reach D1 and take their acknowledgements spread
 * over a few seconds rather than in one burst, and a record still reaches D1 well within the
 * flush interval. The send itself is not delayed: it costs the object no extra wake-up.
 */
export function deliveryDelaySeconds(flushMs: number, random: number): number {
  const spread = Math.min(MAX_DELIVERY_DELAY_SECONDS, Math.floor(flushMs / 6_000));
  return Math.floor(random * (spread + 1));
}

/** Attempts not yet in D1, with the ordinal of the first. */
export interface PendingChunk {
  seq: number;
  attempts: CompactAttempt[];
}

/** A sealed chunk: its message, and how its sending went. */
export interface SealedChunk {
  /** The ordinal of its first attempt; chunks are acknowledged by it. */
  seq: number;
  /** How many attempts it holds. */
  count: number;
  body: string;
  /** When it was last handed to the queue, and how many times. */
  sent_at: number | null;
  tries: number;
}

/** What the object stores of its outbox with each write. */
export interface OutboxState {
  /** The ordinal the next attempt gets. */
  next_seq: number;
  /** Serialised attempts of the open chunk. */
  open: string[];
  open_bytes: number;
  /** When the open chunk's first attempt was added. */
  open_since: number | null;
  /** Sealed chunks kept inline, oldest first. */
  sealed: SealedChunk[];
  /** Consecutive failed sends, and when to try again. */
  failures: number;
  retry_at: number | null;
  /** Attempts dropped because the outbox was full (a very long Queue or D1 outage). */
  dropped: number;
}

/** Where sealed chunks beyond the inline budget wait: the object's SQL storage. */
export interface SpillStore {
  put(chunk: SealedChunk): void;
  /** True when the chunk was there. */
  delete(seq: number): boolean;
  /** The oldest `limit` chunks. */
  oldest(limit: number): SealedChunk[];
  /** Bytes of all chunks held. */
  bytes(): number;
}

export function emptyOutbox(): OutboxState {
  return {
    next_seq: 0,
    open: [],
    open_bytes: 0,
    open_since: null,
    sealed: [],
    failures: 0,
    retry_at: null,
    dropped: 0,
  };
}

/** How many spilled chunks one flush looks at. */
const SPILL_PAGE = 50;

export class Outbox {
  /** Send times of spilled chunks (kept in memory: after a restart they are all sent again). */
  private readonly spillSent = new Map<number, { at: number; tries: number }>();
  private spilledAny: boolean;

  constructor(
    private readonly current: OutboxState,
    private readonly spill: SpillStore,
    private readonly settings: OutboxSettings = DEFAULT_OUTBOX_SETTINGS,
  ) {
    this.spilledAny = spill.bytes() > 0;
  }

  /** What to store. */
  state(): OutboxState {
    return this.current;
  }

  /** Attempts not yet in D1 as far as this outbox knows: open, sealed or spilled. */
  isEmpty(): boolean {
    return this.current.open.length === 0 && this.current.sealed.length === 0 && !this.spilledAny;
  }

  /**
   * Whether an attempt of `bytes`, started at `startedAt`, may join the open chunk: a chunk's
   * attempts all start within flushMs of its first, which lets history reads bound a chunk's
   * span, and stay under maxChunkBytes, which keeps the chunk inside one Queue message.
   */
  fits(startedAt: number, bytes: number): boolean {
    const { open_since: since, open_bytes } = this.current;
    if (since === null) return true;
    return (
      startedAt - since < this.settings.flushMs && open_bytes + bytes < this.settings.maxChunkBytes
    );
  }

  /** Add one serialised attempt, started at `startedAt`, to the open chunk. */
  add(attempt: string, startedAt: number): void {
    const s = this.current;
    s.open.push(attempt);
    s.open_bytes += attempt.length + 1;
    s.next_seq += 1;
    s.open_since ??= startedAt;
  }

  /**
   * Whether the open chunk should be sealed now: it is full, its oldest attempt has waited
   * flushMs, or the task's next call (`nextWake`, null for none) is further off than that —
   * a slow task's attempts leave at once.
   */
  shouldSeal(now: number, nextWake: number | null): boolean {
    const s = this.current;
    if (s.open.length === 0 || s.open_since === null) return false;
    const { flushMs, maxAttempts, maxChunkBytes } = this.settings;
    if (s.open.length >= maxAttempts || s.open_bytes >= maxChunkBytes) return true;
    if (now - s.open_since >= flushMs) return true;
    return nextWake === null || nextWake - now >= flushMs;
  }

  /**
   * Seal the open chunk (possibly empty, to carry only `header`'s index changes) into a message:
   * `header` — who the attempts belong to and the task's progress — plus `seq` and `attempts`.
   */
  seal(header: Record<string, unknown>): SealedChunk {
    const s = this.current;
    const seq = s.next_seq - s.open.length;
    const head = JSON.stringify({ ...header, seq });
    const body = `${head.slice(0, -1)},"attempts":[${s.open.join(",")}]}`;
    const chunk: SealedChunk = { seq, count: s.open.length, body, sent_at: null, tries: 0 };
    s.open = [];
    s.open_bytes = 0;
    s.open_since = null;
    // An empty chunk may share its seq with the next one; it replaces an unsent empty one.
    s.sealed = s.sealed.filter((c) => !(c.seq === seq && c.count === 0 && c.sent_at === null));
    s.sealed.push(chunk);
    this.spillBeyondBudget();
    return chunk;
  }

  private spillBeyondBudget(): void {
    const s = this.current;
    let inline = s.sealed.reduce((n, c) => n + c.body.length, 0);
    while (inline > this.settings.maxInlineBytes && s.sealed.length > 1) {
      const oldest = s.sealed.shift();
      if (!oldest) break;
      inline -= oldest.body.length;
      this.spill.put(oldest);
      this.spilledAny = true;
    }
    while (this.spilledAny && this.spill.bytes() > this.settings.maxSpilledBytes) {
      const [oldest] = this.spill.oldest(1);
      if (!oldest) break;
      this.spill.delete(oldest.seq);
      s.dropped += oldest.count;
    }
  }

  private resendAt(sentAt: number, tries: number): number {
    const { ackTimeoutMs, maxBackoffMs } = this.settings;
    return sentAt + Math.min(ackTimeoutMs * 2 ** Math.max(0, tries - 1), maxBackoffMs);
  }

  /** Sealed chunks to hand to the queue at `now`, in batches that fit its limits. */
  due(now: number): SealedChunk[][] {
    const s = this.current;
    // The call path asks after every call; nearly always nothing is sealed.
    if (s.sealed.length === 0 && !this.spilledAny) return [];
    if (s.retry_at !== null && s.retry_at > now) return [];
    const chunks: SealedChunk[] = [];
    if (this.spilledAny) {
      const page = this.spill.oldest(SPILL_PAGE);
      if (page.length === 0) this.spilledAny = false;
      for (const chunk of page) {
        const sent = this.spillSent.get(chunk.seq);
        if (!sent || this.resendAt(sent.at, sent.tries) <= now) {
          chunks.push({ ...chunk, sent_at: sent?.at ?? null, tries: sent?.tries ?? 0 });
        }
      }
    }
    for (const chunk of s.sealed) {
      if (chunk.sent_at === null || this.resendAt(chunk.sent_at, chunk.tries) <= now) {
        chunks.push(chunk);
      }
    }
    const batches: SealedChunk[][] = [];
    let batch: SealedChunk[] = [];
    let bytes = 0;
    for (const chunk of chunks) {
      if (
        batch.length > 0 &&
        (bytes + chunk.body.length > MAX_BATCH_BYTES || batch.length >= MAX_BATCH_MESSAGES)
      ) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(chunk);
      bytes += chunk.body.length;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }

  /** The queue accepted these chunks at `now`. */
  markSent(chunks: SealedChunk[], now: number): void {
    const s = this.current;
    s.failures = 0;
    s.retry_at = null;
    const inline = new Map(s.sealed.map((c) => [c.seq, c]));
    for (const chunk of chunks) {
      const held = inline.get(chunk.seq);
      if (held) {
        held.sent_at = now;
        held.tries += 1;
      } else {
        const tries = (this.spillSent.get(chunk.seq)?.tries ?? 0) + 1;
        this.spillSent.set(chunk.seq, { at: now, tries });
      }
    }
  }

  /** The queue refused a send at `now`: back off exponentially before the next one. */
  markFailed(now: number): void {
    const s = this.current;
    s.failures += 1;
    const { backoffMs, maxBackoffMs } = this.settings;
    s.retry_at = now + Math.min(backoffMs * 2 ** (s.failures - 1), maxBackoffMs);
  }

  /**
   * Attempts held inline — sealed and open — by chunk, oldest first, as serialised attempts:
   * what history reads add to D1's rows until the writer has them (spilled chunks, held only
   * through an outage, are not read back).
   */
  pending(): PendingChunk[] {
    const s = this.current;
    const sealed = s.sealed
      .filter((c) => c.count > 0)
      .map((c) => ({ seq: c.seq, attempts: (JSON.parse(c.body) as PendingChunk).attempts }));
    if (s.open.length === 0) return sealed;
    const open = JSON.parse(`[${s.open.join(",")}]`) as CompactAttempt[];
    return [...sealed, { seq: s.next_seq - s.open.length, attempts: open }];
  }

  /** The history writer has these chunks in D1; true when any was still held. */
  acknowledge(seqs: readonly number[]): boolean {
    const s = this.current;
    const acked = new Set(seqs);
    const before = s.sealed.length;
    s.sealed = s.sealed.filter((c) => !acked.has(c.seq));
    let removed = s.sealed.length < before;
    if (this.spilledAny) {
      for (const seq of seqs) {
        this.spillSent.delete(seq);
        if (this.spill.delete(seq)) removed = true;
      }
    }
    return removed;
  }

  /** When the outbox next needs the object's attention, or null when it does not. */
  wakeAt(now: number): number | null {
    const s = this.current;
    let at = Number.POSITIVE_INFINITY;
    if (s.open_since !== null) at = s.open_since + this.settings.flushMs;
    for (const chunk of s.sealed) {
      at = Math.min(at, chunk.sent_at === null ? now : this.resendAt(chunk.sent_at, chunk.tries));
    }
    if (this.spilledAny) {
      // Spilled chunks go out a page at a time: the next page once this one is acknowledged.
      let earliest = this.spillSent.size === 0 ? now : Number.POSITIVE_INFINITY;
      for (const sent of this.spillSent.values()) {
        earliest = Math.min(earliest, this.resendAt(sent.at, sent.tries));
      }
      at = Math.min(at, earliest);
    }
    if (at === Number.POSITIVE_INFINITY) return null;
    return s.retry_at !== null ? Math.max(at, s.retry_at) : at;
  }

  /** Every sealed chunk, inline and spilled (to hand over before the task is deleted). */
  allSealed(): SealedChunk[] {
    const spilled = this.spilledAny ? this.spill.oldest(Number.MAX_SAFE_INTEGER) : [];
    return [...spilled, ...this.current.sealed];
  }
}
