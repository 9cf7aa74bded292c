import { DurableObject } from "cloudflare:workers";
import { type Config, readConfig } from "../config";
import { hasDynamicFields } from "../core/dynamic-fields";
import { BelfryError, type SerializedError } from "../core/errors";
import {
  bumpVersion,
  cancelTask,
  patchTask,
  pauseTask,
  queueManualRun,
  queueReplay,
  replayRefusal,
  resumeTask,
  startRuntime,
  wakeTime,
} from "../core/lifecycle";
import type { TaskDefinition, TaskLimits } from "../core/task-definition";
import type { PatchTaskInput } from "../core/task-input";
import { completeIfDone, type TaskRuntime } from "../core/task-runtime";
import { FINISHED_STATES, type TaskSnapshot } from "../core/task-view";
import { alarmTime, type Timer } from "../core/timers";
import { targetUrlError } from "../core/url-policy";
import { type ProjectKeysRow, projectKeysStatement } from "../db/projects";
import { upsertTaskStatement } from "../db/task-index";
import { HistoryCourier } from "../history/courier";
import { chunkHeader, taskIndexEntry } from "../history/index-row";
import { meter } from "../metering";
import { CallRunner, callAlarm } from "./call-runner";
import { IndexPublisher } from "./index-publisher";
import { Notifier } from "./notifier";
import { SigningKeys } from "./signing-keys";
import { TaskStore } from "./task-store";

/** A replay's new execution, as the object queued it. */
export interface ReplayedExecution {
  task_id: string;
  execution_id: string;
  number: number;
  replay_of: string;
  scheduled_at: number;
}

/** The outcome of a call into a TaskObject: errors travel as data, since RPC drops their class. */
export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** Acknowledged chunks wait for the task's next write only if it comes this soon. */
const ACK_COMMIT_WITHIN_MS = 5_000;

function fail<T>(error: BelfryError): TaskResult<T> {
  return { ok: false, error: error.toJSON() };
}

/**
 * One task. Its definition, runtime and outbox are held in memory and written to the object's
 * storage in one write at each commit point (task-store.ts); the one alarm is always derived
 * from them. The alarm serves due calls one at a time, so a task never has two requests in
 * flight. The rules of the task's life are in core/lifecycle.ts, the record's way to D1 in
 * history/.
 */
export class TaskObject extends DurableObject<Env> {
  private readonly store: TaskStore;
  /** The deployment's settings, read once: they change only with a deploy, which restarts us. */
  private readonly config: Config;
  private readonly history: HistoryCourier;
  private readonly keys: SigningKeys;
  private readonly notifier: Notifier;
  private readonly runner: CallRunner;
  private readonly index: IndexPublisher;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
    const rearm = () => this.arm();
    this.config = readConfig(env);
    this.store = new TaskStore(ctx.storage);
    this.keys = new SigningKeys(ctx.storage, env, waitUntil, this.store.storedSecrets);
    this.notifier = new Notifier({
      sql: ctx.storage.sql,
      tables: this.store.tables,
      waitUntil,
      secrets: async () => {
        const def = this.store.definition;
        return def ? this.keys.current(def.project_id) : [];
      },
      refuse: (url) => targetUrlError(url, env.BELFRY_ALLOW_PRIVATE_URLS === "1"),
      rearm,
    });
    const host = {
      // Read through the object, so the courier always uses the object's own bindings.
      env: () => this.env,
      sql: ctx.storage.sql,
      tables: this.store.tables,
      waitUntil,
      rearm,
      header: () => {
        const { definition, runtime } = this.task();
        return chunkHeader(definition, runtime, this.config);
      },
    };
    this.history = new HistoryCourier(host, this.config, this.store.storedOutbox);
    this.index = new IndexPublisher({
      env: () => this.env,
      waitUntil,
      task: () => {
        const { definition, runtime } = this.task();
        return { runtime, entry: taskIndexEntry(definition, runtime, this.config) };
      },
      commit: () => this.commit(),
    });
    this.runner = new CallRunner({
      store: this.store,
      keys: this.keys,
      history: this.history,
      notifier: this.notifier,
      env: () => this.env,
      settle: (write) => this.settle(write),
    });
  }

  // ---- commands (called by the Worker over RPC) ----

  /**
   * Store a new task; a second create for the same id returns the first task unchanged. The
   * index row is written before the task is stored, so no task fires that cannot be listed.
   */
  async create(
    def: TaskDefinition,
  ): Promise<TaskResult<{ snapshot: TaskSnapshot; created: boolean }>> {
    meter("do_requests");
    const { store } = this;
    if (store.definition && store.runtime) {
      if (store.definition.project_id !== def.project_id) {
        return fail(new BelfryError("conflict", "idempotency_key: already used"));
      }
      return { ok: true, value: { snapshot: this.snapshot(), created: false } };
    }
    const now = Date.now();
    // Held before the index write, so a second create arriving meanwhile finds this one.
    const runtime = startRuntime(def, now);
    // A fresh object's outbox is empty already; starting it afresh would cost a storage query.
    if (store.runtime || !this.history.isEmpty()) this.history.reset();
    store.definition = def;
    store.runtime = runtime;
    // A schedule with no future occurrence (allowed for Chronos) completes at once.
    completeIfDone(runtime, now);
    let keys: D1Result<ProjectKeysRow> | undefined;
    try {
      // The signing secrets come with the index write, so the first call need not wait for D1.
      const { DB } = this.env;
      const entry = taskIndexEntry(def, runtime, this.config);
      [, keys] = await DB.batch<ProjectKeysRow>([
        upsertTaskStatement(DB, entry),
        projectKeysStatement(DB, def.project_id),
      ]);
    } catch (error) {
      store.definition = undefined;
      store.runtime = undefined;
      throw error;
    }
    store.putDefinition(def);
    this.keys.adopt(def.project_id, keys?.results[0] ?? null);
    this.commit();
    return { ok: true, value: { snapshot: this.snapshot(), created: true } };
  }

  /** Read the project's signing secrets again: a rotation just happened. */
  async refreshSigningKeys(): Promise<void> {
    meter("do_requests");
    const def = this.store.definition;
    if (def) await this.keys.refresh(def.project_id);
  }

  /** The task, when it belongs to `projectId`. */
  async read(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    meter("do_requests");
    const missing = this.checkOwner(projectId);
    if (missing) return fail(missing);
    return { ok: true, value: this.snapshot() };
  }

  /** Change definition fields; a new schedule replaces the old one and restarts its count. */
  async update(
    projectId: string,
    patch: PatchTaskInput,
    limits: TaskLimits,
  ): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (def, runtime) => {
      this.store.putDefinition(patchTask(def, runtime, patch, Date.now(), limits));
    });
  }

  async pause(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, runtime) => pauseTask(runtime));
  }

  async resume(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, runtime) => resumeTask(runtime));
  }

  async cancel(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, runtime) => cancelTask(runtime, Date.now()));
  }

  async run(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    const { maxQueuedRuns } = this.config;
    return this.change(projectId, (def, runtime) =>
      queueManualRun(def, runtime, Date.now(), maxQueuedRuns),
    );
  }

  /**
   * Send `executionId`'s request again, once, now (core/lifecycle.ts says when it can be), in
   * any state. `startedAt` is when that execution's first attempt started.
   */
  async replay(
    projectId: string,
    executionId: string,
    startedAt: number,
  ): Promise<TaskResult<ReplayedExecution>> {
    let timer: Timer | undefined;
    const result = await this.change(projectId, (def, runtime) => {
      const refused = replayRefusal(def, startedAt, hasDynamicFields(def.body));
      if (refused) throw new BelfryError("conflict", refused);
      timer = queueReplay(def, runtime, executionId, Date.now(), this.config.maxQueuedRuns);
    });
    if (!result.ok) return { ok: false, error: result.error };
    if (!timer) throw new Error("a replay was accepted without a call");
    const { execution_id, number, scheduled_at } = timer;
    const task_id = result.value.definition.id;
    return {
      ok: true,
      value: { task_id, execution_id, number, replay_of: executionId, scheduled_at },
    };
  }

  /**
   * Cancel and forget the task. The call in flight finishes and is recorded first, and every
   * record not yet in D1 is written there (or handed to the queue) before the object's storage
   * goes; the index row stays as a tombstone until the task expires.
   */
  async remove(projectId: string): Promise<TaskResult<{ id: string }>> {
    meter("do_requests");
    const missing = this.checkOwner(projectId);
    if (missing) return fail(missing);
    const { definition, runtime } = this.task();
    await this.runner.inflight;
    // Deleted meanwhile by another request (and perhaps created again): not ours to remove.
    if (this.store.runtime !== runtime) return fail(new BelfryError("not_found", "task not found"));
    const now = Date.now();
    if (!FINISHED_STATES.has(runtime.progress.state)) cancelTask(runtime, now);
    runtime.progress.finished_at ??= now;
    bumpVersion(runtime, now);
    // Cancelled for good before anything can fail: at worst the task stays, cancelled.
    this.commit();
    await this.history.handOver({ task: taskIndexEntry(definition, runtime, this.config, now) });
    await this.forget();
    return { ok: true, value: { id: definition.id } };
  }

  /**
   * Remove a task that finished before `cutoff` (the sweeper's expiry): its records go to D1
   * first. True when the object holds no task any more.
   */
  async expire(cutoff: number): Promise<boolean> {
    meter("do_requests");
    const progress = this.store.runtime?.progress;
    if (!this.store.definition || !progress) {
      await this.ctx.storage.deleteAll();
      return true;
    }
    const finishedAt = progress.finished_at ?? progress.version;
    if (!FINISHED_STATES.has(progress.state) || finishedAt >= cutoff) return false;
    await this.history.handOver();
    await this.forget();
    return true;
  }

  /**
   * Re-derive the alarm from storage (the sweeper's poke after a possible lost alarm). Answers
   * the task's next call, so the sweeper can correct a stale index row; `exists: false` when
   * the object holds no task.
   */
  async rearm(): Promise<{ exists: boolean; wake_at: number | null }> {
    meter("do_requests");
    const { definition, runtime } = this.store;
    if (!definition || !runtime) return { exists: false, wake_at: null };
    this.store.alarmSpent();
    this.arm();
    return { exists: true, wake_at: wakeTime(runtime) };
  }

  /**
   * Attempts of the task created at `createdAt` that may not be in D1 yet, for history reads:
   * a JSON array of PendingChunk (as JSON, since RPC would not keep the records' tuple type).
   */
  async pendingAttempts(createdAt: number): Promise<string> {
    meter("do_requests");
    if (this.store.definition?.created_at !== createdAt) return "[]";
    return JSON.stringify(this.history.pending());
  }

  /** The history writer has these chunks of the task created at `createdAt` in D1. */
  async acknowledge(createdAt: number, seqs: number[]): Promise<void> {
    meter("do_requests");
    const { definition, runtime } = this.store;
    // Acknowledgements for an earlier task under the same id (deleted, then re-created).
    if (definition?.created_at !== createdAt || !runtime) return;
    if (!this.history.acknowledge(seqs)) return;
    this.store.dirty = true;
    // A busy task stores the change with its next call; one with no call soon does it now.
    const wake = wakeTime(runtime);
    if (wake === null || wake - Date.now() > ACK_COMMIT_WITHIN_MS) this.commit();
  }

  // ---- the alarm: serve due calls ----

  override async alarm(): Promise<void> {
    meter("do_requests");
    await this.runner.serve();
  }

  // ---- storage ----

  /** The task held, or an error: for paths that run only while there is one. */
  private task(): { definition: TaskDefinition; runtime: TaskRuntime } {
    const { definition, runtime } = this.store;
    if (!definition || !runtime) throw new Error("task object holds no task");
    return { definition, runtime };
  }

  private snapshot(): TaskSnapshot {
    const { definition, runtime } = this.task();
    return { definition, progress: runtime.progress };
  }

  private checkOwner(projectId: string): BelfryError | null {
    const { definition, runtime } = this.store;
    if (!definition || !runtime || definition.project_id !== projectId) {
      return new BelfryError("not_found", "task not found");
    }
    return null;
  }

  /** Apply a lifecycle rule, store it, re-arm, and update the index before answering. */
  private async change(
    projectId: string,
    apply: (def: TaskDefinition, runtime: TaskRuntime) => void,
  ): Promise<TaskResult<TaskSnapshot>> {
    meter("do_requests");
    const missing = this.checkOwner(projectId);
    if (missing) return fail(missing);
    const { definition, runtime } = this.task();
    try {
      apply(definition, runtime);
    } catch (error) {
      if (error instanceof BelfryError) return fail(error);
      throw error;
    }
    const now = Date.now();
    completeIfDone(runtime, now);
    bumpVersion(runtime, now);
    this.commit();
    await this.index.publish();
    return { ok: true, value: this.snapshot() };
  }

  /** Write the runtime and the outbox, and set the alarm: one storage transaction. */
  private commit(): void {
    this.store.commit(this.history.state());
    this.arm();
  }

  /**
   * After calls: write the runtime and the outbox when `write`; then send the outbox's due
   * chunks and an index row D1 refused earlier (they leave after the write), and set the alarm,
   * which leaves a send under way to re-arm the object when it ends.
   */
  private settle(write: boolean): void {
    if (write) this.store.commit(this.history.state());
    this.index.retry(this.store.runtime);
    this.history.flush();
    this.arm();
  }

  /** Set the one alarm: the earliest pending call, the outbox's next send, or a re-publish. */
  private arm(): void {
    const now = Date.now();
    const runtime = this.store.runtime;
    const times = [
      runtime ? callAlarm(wakeTime(runtime)) : null,
      this.history.wakeAt(now),
      this.notifier.wakeAt(),
      this.index.wakeAt(runtime, now),
    ];
    this.store.setAlarm(alarmTime(times, now));
  }

  /** Drop the task from memory and storage (the alarm goes with it). */
  private async forget(): Promise<void> {
    await this.store.forget();
    this.keys.forget();
    this.history.reset();
  }
}
