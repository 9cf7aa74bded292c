import type { TaskDefinition } from "../core/task-definition";
import type { TaskRuntime } from "../core/task-runtime";
import type { OutboxState } from "../history/outbox";
import type { StorageTables } from "../history/spill-store";
import { meter } from "../metering";
import type { StoredSecrets } from "./signing-keys";

/** What the object stores of itself besides its definition: one value, one write per call. */
interface StoredRuntime extends TaskRuntime {
  outbox?: OutboxState;
}

/**
 * A task object's own storage (docs/architecture.md): the definition; the runtime and the
 * outbox as one value, so a call costs one write; the `$state` a body may use; and the one
 * alarm, written only when its time moves. Writes are synchronous, so a commit and the alarm
 * set after it land in one storage transaction. A starting object reads its values and the
 * names of its tables in two queries, whatever its parts keep: an object that calls less
 * often than every few seconds starts again for each call.
 */
export class TaskStore {
  definition: TaskDefinition | undefined;
  runtime: TaskRuntime | undefined;
  /** The outbox as it was stored when the object started. */
  readonly storedOutbox: OutboxState | undefined;
  /** The signing secrets as they were stored when the object started (signing-keys.ts). */
  readonly storedSecrets: StoredSecrets | undefined;
  /** The SQL tables the object's storage holds: read when it started, kept since. */
  readonly tables: TableRecord;
  /** The runtime or the outbox changed since the last commit. */
  dirty = false;
  /** The alarm time last set, so an unchanged alarm costs no write. */
  private armedAt: number | null = null;
  /** The `$state`, as stored. */
  private state: unknown;

  constructor(private readonly storage: DurableObjectStorage) {
    const values = new Map(storage.kv.list());
    this.definition = values.get("definition") as TaskDefinition | undefined;
    this.storedSecrets = values.get("secrets") as StoredSecrets | undefined;
    this.state = values.get("job_state");
    const stored = values.get("runtime") as StoredRuntime | undefined;
    this.tables = new TableRecord(
      storage.sql,
      storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((t) => t.name),
    );
    if (stored) {
      const { outbox, ...runtime } = stored;
      this.runtime = runtime;
      this.storedOutbox = outbox;
    }
  }

  putDefinition(definition: TaskDefinition): void {
    this.definition = definition;
    this.storage.kv.put("definition", definition);
    meter("do_rows_written");
  }

  /** The `$state` the task's last successful answer set, or null. */
  jobState(): unknown {
    return this.state ?? null;
  }

  putJobState(state: unknown): void {
    this.state = state;
    this.storage.kv.put("job_state", state);
    meter("do_rows_written");
  }

  /** Write the runtime together with `outbox`. */
  commit(outbox: OutboxState): void {
    if (this.runtime) {
      const stored: StoredRuntime = { ...this.runtime, outbox };
      this.storage.kv.put("runtime", stored);
      meter("do_rows_written");
    }
    this.dirty = false;
  }

  /** Set the alarm for `at` (null: none), unless it is set for that already. */
  setAlarm(at: number | null): void {
    if (at === this.armedAt) return;
    this.armedAt = at;
    meter("do_alarm_writes");
    if (at === null) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(at);
  }

  /** The alarm fired, or may have been lost: the next setAlarm writes whatever its time. */
  alarmSpent(): void {
    this.armedAt = null;
  }

  /** Drop the task from memory and storage; the alarm goes with it. */
  async forget(): Promise<void> {
    this.definition = undefined;
    this.runtime = undefined;
    this.state = undefined;
    this.armedAt = null;
    this.tables.clear();
    await this.storage.deleteAll();
  }
}

/** The tables a storage holds, known without asking it again; parts create theirs through it. */
export class TableRecord implements StorageTables {
  private readonly names: Set<string>;

  constructor(
    private readonly sql: SqlStorage,
    names: Iterable<string>,
  ) {
    this.names = new Set(names);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  create(name: string, ddl: string): void {
    if (this.names.has(name)) return;
    this.sql.exec(ddl);
    this.names.add(name);
  }

  /** The storage was deleted, and its tables with it. */
  clear(): void {
    this.names.clear();
  }
}
