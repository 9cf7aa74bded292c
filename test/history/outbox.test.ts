import { describe, expect, it } from "vitest";
import {
  DEFAULT_OUTBOX_SETTINGS,
  deliveryDelaySeconds,
  emptyOutbox,
  MAX_BATCH_BYTES,
  MAX_BATCH_MESSAGES,
  MAX_MESSAGE_BYTES,
  Outbox,
  type OutboxSettings,
  type SealedChunk,
  type SpillStore,
} from "../../src/history/outbox";

/** The object's SQL spill table, in memory. */
class MemorySpill implements SpillStore {
  readonly rows = new Map<number, SealedChunk>();
  put(chunk: SealedChunk) {
    this.rows.set(chunk.seq, { ...chunk });
  }
  delete(seq: number) {
    return this.rows.delete(seq);
  }
  oldest(limit: number) {
    return [...this.rows.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
  }
  bytes() {
    let n = 0;
    for (const c of this.rows.values()) n += c.body.length;
    return n;
  }
}

const T0 = 1_800_000_000_000;
const settings: OutboxSettings = { ...DEFAULT_OUTBOX_SETTINGS, flushMs: 10_000 };
const header = { task_id: "t", project_id: "p", created_at: 1, shard: 0 };
const attempt = (n: number, bytes = 20) => JSON.stringify([`a${n}`, "x".repeat(bytes)]);

function outbox(spill = new MemorySpill(), s = settings) {
  return { box: new Outbox(emptyOutbox(), spill, s), spill };
}

describe("the outbox", () => {
  it("seals a fast task's attempts into one chunk once the oldest has waited flushMs", () => {
    const { box } = outbox();
    for (let i = 0; i < 5; i++) {
      box.add(attempt(i), T0 + i * 1000);
      // Next call in a second: keep gathering.
      expect(box.shouldSeal(T0 + i * 1000, T0 + (i + 1) * 1000)).toBe(false);
    }
    expect(box.shouldSeal(T0 + 10_000, T0 + 11_000)).toBe(true);
    const chunk = box.seal(header);
    expect(chunk.seq).toBe(0);
    expect(chunk.count).toBe(5);
    const message = JSON.parse(chunk.body);
    expect(message).toMatchObject({ ...header, seq: 0 });
    expect(message.attempts.map((a: string[]) => a[0])).toEqual(["a0", "a1", "a2", "a3", "a4"]);
    // The next chunk continues the ordinals.
    box.add(attempt(5), T0 + 11_000);
    expect(box.seal(header).seq).toBe(5);
  });

  it("seals a slow task's attempt at once", () => {
    const { box } = outbox();
    box.add(attempt(0), T0);
    expect(box.shouldSeal(T0, T0 + 60_000)).toBe(true);
    expect(box.shouldSeal(T0, null)).toBe(true);
  });

  it("seals by count and by bytes", () => {
    const { box } = outbox();
    for (let i = 0; i < settings.maxAttempts; i++) box.add(attempt(i, 1), T0);
    expect(box.shouldSeal(T0, T0 + 1)).toBe(true);
    const big = outbox().box;
    big.add(attempt(0, settings.maxChunkBytes), T0);
    expect(big.shouldSeal(T0, T0 + 1)).toBe(true);
  });

  it("keeps a chunk's attempts within flushMs of its first", () => {
    const { box } = outbox();
    box.add(attempt(0), T0);
    expect(box.fits(T0 + 9_999, 100)).toBe(true);
    expect(box.fits(T0 + 10_000, 100)).toBe(false);
    expect(box.fits(T0 + 1, settings.maxChunkBytes)).toBe(false);
  });

  it("batches sealed chunks by bytes and count, each message under the Queue's limit", () => {
    const { box } = outbox();
    for (let i = 0; i < 30; i++) {
      box.add(attempt(i, 80_000), T0);
      box.seal(header);
    }
    // Inline room is small; most chunks spilled, all still due.
    const batches = box.due(T0);
    const all = batches.flat();
    expect(all.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(MAX_BATCH_MESSAGES);
      expect(batch.reduce((n, c) => n + c.body.length, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      for (const c of batch) expect(c.body.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
  });

  it("spreads deliveries over whole seconds up to a sixth of the flush interval, at most 5 s", () => {
    const delays = (flushMs: number) =>
      [0, 0.2, 0.5, 0.999].map((r) => deliveryDelaySeconds(flushMs, r));
    expect(delays(30_000)).toEqual([0, 1, 3, 5]);
    expect(delays(60_000)).toEqual([0, 1, 3, 5]);
    expect(delays(12_000)).toEqual([0, 0, 1, 2]);
    // A short flush interval (as in tests) is not held back at all.
    expect(delays(500)).toEqual([0, 0, 0, 0]);
  });

  it("backs off exponentially, capped, when the queue refuses, and never asks to wake at once", () => {
    const { box } = outbox();
    box.add(attempt(0), T0);
    box.seal(header);
    expect(box.wakeAt(T0)).toBe(T0);
    let now = T0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      expect(box.due(now)).toHaveLength(1);
      box.markFailed(now);
      expect(box.due(now)).toHaveLength(0);
      const wake = box.wakeAt(now) ?? 0;
      waits.push(wake - now);
      now = wake;
    }
    expect(waits).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
    // Once the queue takes it, it waits for the acknowledgement, not for the backoff.
    box.markSent(box.due(now).flat(), now);
    expect(box.wakeAt(now)).toBe(now + settings.ackTimeoutMs);
  });

  it("sends a chunk again when no acknowledgement comes, waiting longer each time", () => {
    const { box } = outbox();
    box.add(attempt(0), T0);
    box.seal(header);
    box.markSent(box.due(T0).flat(), T0);
    expect(box.due(T0 + settings.ackTimeoutMs - 1)).toHaveLength(0);
    const again = box.due(T0 + settings.ackTimeoutMs).flat();
    expect(again).toHaveLength(1);
    const t1 = T0 + settings.ackTimeoutMs;
    box.markSent(again, t1);
    expect(box.wakeAt(t1)).toBe(t1 + 2 * settings.ackTimeoutMs);
  });

  it("reads back what it holds, sealed and open, with each chunk's first ordinal", () => {
    const { box } = outbox();
    for (let i = 0; i < 3; i++) box.add(attempt(i), T0 + i);
    box.seal(header);
    box.seal(header); // an empty chunk carries only the header: nothing to read back
    box.add(attempt(3), T0 + 3);
    box.seal(header);
    box.add(attempt(4), T0 + 4);
    const held = box.pending();
    expect(held.map((c) => c.seq)).toEqual([0, 3, 4]);
    expect(held.flatMap((c) => c.attempts.map((a) => a[0]))).toEqual([
      "a0",
      "a1",
      "a2",
      "a3",
      "a4",
    ]);
    box.acknowledge([0]);
    expect(box.pending().map((c) => c.seq)).toEqual([3, 4]);
  });

  it("drops acknowledged chunks, and an acknowledgement of an unknown chunk changes nothing", () => {
    const { box } = outbox();
    box.add(attempt(0), T0);
    const first = box.seal(header);
    box.add(attempt(1), T0);
    box.seal(header);
    box.markSent(box.due(T0).flat(), T0);
    expect(box.acknowledge([first.seq])).toBe(true);
    expect(box.acknowledge([first.seq])).toBe(false);
    expect(box.acknowledge([999])).toBe(false);
    expect(box.state().sealed.map((c) => c.seq)).toEqual([1]);
    expect(box.acknowledge([1])).toBe(true);
    expect(box.isEmpty()).toBe(true);
    expect(box.wakeAt(T0)).toBeNull();
  });

  it("survives a restart: the stored state sends what was not acknowledged", () => {
    const { box, spill } = outbox();
    box.add(attempt(0), T0);
    box.seal(header);
    box.markSent(box.due(T0).flat(), T0);
    box.add(attempt(1), T0 + 1000);
    // What the object stored with its last write, read back after a restart.
    const stored = JSON.parse(JSON.stringify(box.state()));
    const restarted = new Outbox(stored, spill, settings);
    expect(restarted.state().open).toHaveLength(1);
    expect(
      restarted
        .due(T0 + settings.ackTimeoutMs)
        .flat()
        .map((c) => c.seq),
    ).toEqual([0]);
    restarted.add(attempt(2), T0 + 2000);
    expect(restarted.seal(header)).toMatchObject({ seq: 1, count: 2 });
  });

  it("spills a backlog beyond the inline budget and stays bounded, counting what it drops", () => {
    const small: OutboxSettings = { ...settings, maxInlineBytes: 2_000, maxSpilledBytes: 20_000 };
    const { box, spill } = outbox(new MemorySpill(), small);
    for (let i = 0; i < 100; i++) {
      box.add(attempt(i, 1_000), T0 + i);
      box.seal(header);
      box.markFailed(T0 + i); // the queue is down
    }
    const inline = box.state().sealed.reduce((n, c) => n + c.body.length, 0);
    expect(inline).toBeLessThanOrEqual(2_000 + 1_200);
    expect(spill.bytes()).toBeLessThanOrEqual(20_000);
    const held = box.state().sealed.length + spill.rows.size;
    expect(box.state().dropped + held).toBe(100);
    expect(box.state().dropped).toBeGreaterThan(0);
    // The queue comes back: spilled chunks go first, oldest first, then acknowledged.
    const later = T0 + 1_000_000;
    const sent = box.due(later).flat();
    expect(sent[0]?.seq).toBe(Math.min(...spill.rows.keys()));
    box.markSent(sent, later);
    box.acknowledge(sent.map((c) => c.seq));
    expect(spill.rows.size + box.state().sealed.length).toBe(held - sent.length);
  });
});
