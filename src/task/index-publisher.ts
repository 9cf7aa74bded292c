import type { TaskIndexEntry } from "../core/history";
import type { TaskRuntime } from "../core/task-runtime";
import { upsertTask } from "../db/task-index";

/** How soon an index row D1 refused is written again, at the latest. */
const REPUBLISH_MS = 30_000;

/** What the publisher needs of the task object that hosts it. */
export interface PublisherHost {
  /** The object's bindings, read at use (tests swap them to inject failures). */
  env(): Env;
  waitUntil(promise: Promise<unknown>): void;
  /** The task's runtime (which marks a stale row) and its index row as it is now. */
  task(): { runtime: TaskRuntime; entry: TaskIndexEntry };
  /** Store the runtime: the stale mark changed. */
  commit(): void;
}

/**
 * A task's row in the task index, written when its definition or state changes. The object is
 * the truth: when D1 refuses the row, the change stands, the runtime is marked `index_stale`,
 * and the row is written again with the task's next flush or within REPUBLISH_MS, until D1
 * takes it (docs/architecture.md).
 */
export class IndexPublisher {
  private republishing = false;

  constructor(private readonly host: PublisherHost) {}

  /** Write the row now; never throws. */
  async publish(): Promise<void> {
    const { runtime, entry } = this.host.task();
    try {
      await upsertTask(this.host.env().DB, entry);
      if (runtime.index_stale) {
        delete runtime.index_stale;
        this.host.commit();
      }
    } catch (error) {
      console.error(JSON.stringify({ event: "index_write_failed", error: String(error) }));
      if (!runtime.index_stale) {
        runtime.index_stale = true;
        this.host.commit();
      }
    }
  }

  /** Write a row D1 refused earlier again, in the background. */
  retry(runtime: TaskRuntime | undefined): void {
    if (!runtime?.index_stale || this.republishing) return;
    this.republishing = true;
    const publishing = this.publish().finally(() => {
      this.republishing = false;
    });
    this.host.waitUntil(publishing);
  }

  /** When the object must wake to write a refused row again, or null. */
  wakeAt(runtime: TaskRuntime | undefined, now: number): number | null {
    return runtime?.index_stale ? now + REPUBLISH_MS : null;
  }
}
