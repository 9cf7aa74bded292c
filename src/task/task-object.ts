import { DurableObject } from "cloudflare:workers";
import { type Config, readConfig } from "../config";
import { alertsFor } from "../core/alerts";
import { extractState, hasDynamicFields } from "../core/dynamic-fields";
import { BelfryError, type SerializedError } from "../core/errors";
import type { TaskIndexEntry } from "../core/history";
import {
  bumpVersion,
  cancelTask,
  countOccurrence,
  nextCall,
  patchTask,
  pauseTask,
  queueManualRun,
  queueReplay,
  replayRefusal,
  resumeTask,
  startRuntime,
  wakeTime,
} from "../core/lifecycle";
import { attemptFinished, attemptLogLine, attemptStarting } from "../core/notifications";
import type { TaskDefinition, TaskLimits } from "../core/task-definition";
import type { PatchTaskInput } from "../core/task-input";
import {
  type AttemptResult,
  completeIfDone,
  recordAttempt,
  type TaskRuntime,
} from "../core/task-runtime";
import { FINISHED_STATES, type TaskSnapshot } from "../core/task-view";
import type { Timer } from "../core/timers";
import { targetUrlError } from "../core/url-policy";
import { upsertTask } from "../db/task-index";
import { HistoryCourier } from "../history/courier";
import type { OutboxState } from "../history/outbox";
import { indexedProgress } from "../history/records";
import { meter } from "../metering";
import { type PreparedRequest, prepareRequest, sendAttempt } from "./dispatch";
import { Notifier } from "./notifier";
import { SigningKeys } from "./signing-keys";

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

/** An alarm handler gives way after this long, re-arming itself, so it never runs unbounded. */
const ALARM_BUDGET_MS = 60_000;
/** Acknowledged chunks wait for the task's next write only if it comes this soon. */
const ACK_COMMIT_WITHIN_MS = 5_000;
/** How early an alarm may fire and still be served in the same invocation, after a wait. */
const EARLY_ALARM_MS = 25;
/** How soon an index row D1 refused is written again, at the latest. */
const REPUBLISH_MS = 30_000;

/** What the object stores of itself besides its definition: one value, one write per call. */
interface StoredRuntime extends TaskRuntime {
  outbox?: OutboxState;
}

function fail<T>(error: BelfryError): TaskResult<T> {
  return { ok: false, error: error.toJSON() };
}

/**
 * One task. Its definition, runtime and outbox are held in memory and written to the object's
 * storage in one write at each commit point; the one alarm is always derived from them. The
 * alarm serves due calls one at a time, so a task never has two requests in flight. The rules
 * of the task's life are in core/lifecycle.ts, the record's way to D1 in history/.
 */
export class TaskObject extends DurableObject<Env> {
  private definition: TaskDefinition | undefined;
  private runtime: TaskRuntime | undefined;
  /** The deployment's settings, read once: they change only with a deploy, which restarts us. */
  private readonly config: Config;
  private readonly history: HistoryCourier;
  private readonly keys: SigningKeys;
  private readonly notifier: Notifier;
  /** The alarm time last set, so an unchanged alarm costs no write. */
  private armedAt: number | null = null;
  /** The runtime or outbox changed since the last commit. */
  private dirty = false;
  private republishing = false;
  /** The call in flight, so a delete can wait for its record. */
  private inflight: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
    this.keys = new SigningKeys(ctx.storage, env, waitUntil);
    this.notifier = new Notifier({
      sql: ctx.storage.sql,
      waitUntil,
      secrets: async () => (this.definition ? this.keys.current(this.definition.project_id) : []),
      refuse: (url) => targetUrlError(url, env.BELFRY_ALLOW_PRIVATE_URLS === "1"),
      rearm: () => this.arm(),
    });
    const config = readConfig(env);
    this.config = config;
    const settings = {
      flushMs: config.historyFlushMs,
      bodyBytes: config.historyBodyBytes,
      maxPerTask: config.historyMaxPerTask,
    };
    const host = {
      // Read through the object, so the courier always uses the object's own bindings.
      env: () => this.env,
      sql: ctx.storage.sql,
      waitUntil,
      rearm: () => this.arm(),
    };
    this.definition = ctx.storage.kv.get<TaskDefinition>("definition");
    const stored = ctx.storage.kv.get<StoredRuntime>("runtime");
    if (stored) {
      const { outbox, ...runtime } = stored;
      this.runtime = runtime;
      this.history = new HistoryCourier(host, settings, outbox);
    } else {
      this.history = new HistoryCourier(host, settings);
    }
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
    if (this.definition && this.runtime) {
      if (this.definition.project_id !== def.project_id) {
        return fail(new BelfryError("conflict", "idempotency_key: already used"));
      }
      return { ok: true, value: { snapshot: this.snapshot(), created: false } };
    }
    const now = Date.now();
    this.definition = def;
    // A fresh object's outbox is empty already; starting it afresh would cost a storage query.
    if (this.runtime || !this.history.isEmpty()) this.history.reset();
    this.runtime = startRuntime(def, now);
    // A schedule with no future occurrence (allowed for Chronos) completes at once.
    completeIfDone(this.runtime, now);
    try {
      await upsertTask(this.env.DB, this.indexEntry());
    } catch (error) {
      this.definition = undefined;
      this.runtime = undefined;
      throw error;
    }
    this.ctx.storage.kv.put("definition", def);
    meter("do_rows_written");
    this.commit();
    return { ok: true, value: { snapshot: this.snapshot(), created: true } };
  }

  /** Read the project's signing secrets again: a rotation just happened. */
  async refreshSigningKeys(): Promise<void> {
    meter("do_requests");
    if (this.definition) await this.keys.refresh(this.definition.project_id);
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
      const next = patchTask(def, runtime, patch, Date.now(), limits);
      this.definition = next;
      this.ctx.storage.kv.put("definition", next);
      meter("do_rows_written");
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
    return {
      ok: true,
      value: {
        task_id: result.value.definition.id,
        execution_id,
        number,
        replay_of: executionId,
        scheduled_at,
      },
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
    if (missing || !this.definition || !this.runtime) {
      return fail(missing ?? new BelfryError("not_found", "task not found"));
    }
    await this.inflight;
    const runtime = this.runtime;
    if (!this.definition || runtime !== this.runtime) {
      return fail(new BelfryError("not_found", "task not found"));
    }
    const id = this.definition.id;
    const now = Date.now();
    if (!FINISHED_STATES.has(runtime.progress.state)) cancelTask(runtime, now);
    runtime.progress.finished_at ??= now;
    bumpVersion(runtime, now);
    // Cancelled for good before anything can fail: at worst the task stays, cancelled.
    this.commit();
    await this.history.handOver(this.chunkHeader({ task: this.indexEntry(now) }));
    await this.forget();
    return { ok: true, value: { id } };
  }

  /**
   * Remove a task that finished before `cutoff` (the sweeper's expiry): its records go to D1
   * first. True when the object holds no task any more.
   */
  async expire(cutoff: number): Promise<boolean> {
    meter("do_requests");
    const progress = this.runtime?.progress;
    if (!this.definition || !progress) {
      await this.ctx.storage.deleteAll();
      return true;
    }
    const finishedAt = progress.finished_at ?? progress.version;
    if (!FINISHED_STATES.has(progress.state) || finishedAt >= cutoff) return false;
    await this.history.handOver(this.chunkHeader({}));
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
    if (!this.definition || !this.runtime) return { exists: false, wake_at: null };
    this.armedAt = null;
    this.arm();
    return { exists: true, wake_at: wakeTime(this.runtime) };
  }

  /**
   * Attempts of the task created at `createdAt` that may not be in D1 yet, for history reads:
   * a JSON array of PendingChunk (as JSON, since RPC would not keep the records' tuple type).
   */
  async pendingAttempts(createdAt: number): Promise<string> {
    meter("do_requests");
    if (this.definition?.created_at !== createdAt) return "[]";
    return JSON.stringify(this.history.pending());
  }

  /** The history writer has these chunks of the task created at `createdAt` in D1. */
  async acknowledge(createdAt: number, seqs: number[]): Promise<void> {
    meter("do_requests");
    // Acknowledgements for an earlier task under the same id (deleted, then re-created).
    if (this.definition?.created_at !== createdAt || !this.runtime) return;
    if (!this.history.acknowledge(seqs)) return;
    this.dirty = true;
    // A busy task stores the change with its next call; one with no call soon does it now.
    const wake = wakeTime(this.runtime);
    if (wake === null || wake - Date.now() > ACK_COMMIT_WITHIN_MS) this.commit();
  }

  // ---- the alarm: serve due calls ----

  override async alarm(): Promise<void> {
    meter("do_requests");
    this.armedAt = null; // this alarm has fired
    // An alarm can fire a moment before its time: wait that out rather than set it again, which
    // would cost another write and another invocation. No call is ever made early.
    const due = this.runtime ? wakeTime(this.runtime) : null;
    const early = due === null ? 0 : due - Date.now();
    if (early > 0 && early <= EARLY_ALARM_MS) await new Promise((r) => setTimeout(r, early));
    const started = Date.now();
    while (this.definition && this.runtime && Date.now() - started < ALARM_BUDGET_MS) {
      const runtime = this.runtime;
      const pending = runtime.progress.next_run_at;
      const timer = nextCall(this.definition, runtime, Date.now());
      if (runtime.progress.next_run_at !== pending) this.dirty = true;
      if (!timer) break;
      this.inflight = this.execute(timer);
      await this.inflight;
      this.inflight = null;
    }
    meter("do_wall_ms", Date.now() - started);
    const runtime = this.runtime;
    if (!runtime) return;
    const now = Date.now();
    // Completed by the misfire policy dropping its last grid points, with no call to record.
    const completed = completeIfDone(runtime, now);
    if (completed) bumpVersion(runtime, now);
    if (this.history.sealIfDue(wakeTime(runtime), () => this.chunkHeader({}), completed)) {
      this.dirty = true;
    }
    if (this.dirty) this.commit();
    else this.arm();
    this.flush();
    this.notifier.deliver();
  }

  /** Make one attempt and record it: one fetch, then one storage write. */
  private async execute(timer: Timer): Promise<void> {
    const def = this.definition;
    const runtime = this.runtime;
    if (!def || !runtime) return;
    let secrets: string[] = [];
    let request: PreparedRequest | null = null;
    let failure: string | null = null;
    try {
      secrets = await this.keys.current(def.project_id);
      request = await prepareRequest(def, timer, secrets, {
        state: () => this.ctx.storage.kv.get("job_state") ?? null,
        previous: runtime.progress.last_response,
        allowPrivateUrls: this.env.BELFRY_ALLOW_PRIVATE_URLS === "1",
      });
    } catch (error) {
      // Recorded as a failed attempt: a call that cannot be built must not jam the task.
      failure = `the call could not be prepared: ${error instanceof Error ? error.message : error}`;
    }
    // A cancel, pause, patch or delete answered while preparing may have withdrawn this call.
    const stillQueued = runtime.timers.some(
      (t) => t.execution_id === timer.execution_id && t.attempt === timer.attempt,
    );
    if (this.runtime !== runtime || !stillQueued) return;
    if (runtime.progress.state !== "active" && !timer.manual) return;

    let result: AttemptResult;
    if (request) {
      this.notify(attemptStarting(def, timer, request.url, Date.now()));
      meter("calls");
      result = await sendAttempt(request, def.timeout);
    } else {
      const now = Date.now();
      result = {
        status_code: null,
        error: failure,
        headers: {},
        body: "",
        truncated: false,
        started_at: now,
        duration_ms: 0,
      };
    }

    // Deleted while the call was in flight: nothing left to record into.
    const current = this.definition;
    if (current?.id !== def.id || this.runtime !== runtime) return;
    const now = Date.now();
    const stateBefore = runtime.progress.state;
    // Recorded against the definition as it is now: a patch may have landed meanwhile.
    const recorded = recordAttempt(current, runtime, timer, result, now);
    const outcome = countOccurrence(current, runtime, recorded.record);
    if (recorded.record.successful) {
      const state = extractState(result.body);
      if (state !== undefined) {
        this.ctx.storage.kv.put("job_state", state);
        meter("do_rows_written");
      }
    }
    bumpVersion(runtime, now);
    // A change of state reaches the index with the chunk that records it, sealed at once.
    this.history.record(
      recorded.record,
      { task_id: current.id, created_at: current.created_at },
      runtime.progress.state !== stateBefore,
      wakeTime(runtime),
      () => this.chunkHeader({}),
    );
    this.commit();
    this.flush();
    const change = {
      record: recorded.record,
      outcome,
      stateBefore,
      stateAfter: runtime.progress.state,
    };
    this.notify([
      ...attemptFinished(def, timer, result, recorded, now),
      ...alertsFor(current, change, this.keys.alertDestination(), now),
    ]);
    if (this.env.LOG_ATTEMPTS !== "0") console.log(attemptLogLine(def, recorded.record));
  }

  /** Queue callbacks and events in storage, and start delivering them. */
  private notify(notifications: { url: string; payload: unknown }[]): void {
    if (notifications.length === 0) return;
    const now = Date.now();
    for (const { url, payload } of notifications) this.notifier.post(url, payload, now);
    this.notifier.deliver();
  }

  // ---- storage ----

  private snapshot(): TaskSnapshot {
    if (!this.definition || !this.runtime) throw new Error("task object holds no task");
    return { definition: this.definition, progress: this.runtime.progress };
  }

  private checkOwner(projectId: string): BelfryError | null {
    if (!this.definition || this.definition.project_id !== projectId) {
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
    if (missing || !this.definition || !this.runtime) {
      return fail(missing ?? new BelfryError("not_found", "task not found"));
    }
    try {
      apply(this.definition, this.runtime);
    } catch (error) {
      if (error instanceof BelfryError) return fail(error);
      throw error;
    }
    const now = Date.now();
    completeIfDone(this.runtime, now);
    bumpVersion(this.runtime, now);
    this.commit();
    await this.publish();
    return { ok: true, value: this.snapshot() };
  }

  /** The index row as the object sees it; a finished task's wake time is when it expires. */
  private indexEntry(deletedAt: number | null = null): TaskIndexEntry {
    const { definition, progress: live } = this.snapshot();
    const { config } = this;
    const progress = indexedProgress(live, config.historyBodyBytes);
    const wake_at = FINISHED_STATES.has(progress.state)
      ? (progress.finished_at ?? progress.version) + config.finishedTaskTtlDays * 86_400_000
      : this.runtime
        ? wakeTime(this.runtime)
        : null;
    return { snapshot: { definition, progress }, wake_at, deleted_at: deletedAt };
  }

  /** Who a sealed chunk belongs to, and the task's progress for its index row. */
  private chunkHeader(extra: { task?: TaskIndexEntry }): Record<string, unknown> {
    const def = this.definition;
    if (!def) throw new Error("task object holds no task");
    const entry = this.indexEntry();
    return {
      task_id: def.id,
      project_id: def.project_id,
      created_at: def.created_at,
      shard: def.shard ?? 0,
      progress: { progress: entry.snapshot.progress, wake_at: entry.wake_at },
      ...extra,
    };
  }

  /**
   * Write the runtime and the outbox in one value and set the alarm — all synchronous, so they
   * land in one storage transaction.
   */
  private commit(): void {
    if (this.runtime) {
      const stored: StoredRuntime = { ...this.runtime, outbox: this.history.state() };
      this.ctx.storage.kv.put("runtime", stored);
      meter("do_rows_written");
    }
    this.dirty = false;
    this.arm();
  }

  /** Set the one alarm: the earliest pending call, the outbox's next send, or a re-publish. */
  private arm(): void {
    const now = Date.now();
    const times = [
      this.runtime ? wakeTime(this.runtime) : null,
      this.history.wakeAt(now),
      this.notifier.wakeAt(),
    ];
    if (this.runtime?.index_stale) times.push(now + REPUBLISH_MS);
    const due = times.filter((t): t is number => t !== null);
    // Never a time already past: an alarm set for "now" from inside alarm() may not fire.
    const at = due.length === 0 ? null : Math.max(Math.min(...due), now + 1);
    if (at === this.armedAt) return;
    this.armedAt = at;
    meter("do_alarm_writes");
    if (at === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(at);
  }

  /**
   * Write the index row now. If D1 fails the change stands (the object is the truth) and the
   * row is written again with the next flush, until D1 takes it.
   */
  private async publish(): Promise<void> {
    try {
      await upsertTask(this.env.DB, this.indexEntry());
      if (this.runtime?.index_stale) {
        delete this.runtime.index_stale;
        this.commit();
      }
    } catch (error) {
      console.error(JSON.stringify({ event: "index_write_failed", error: String(error) }));
      if (this.runtime && !this.runtime.index_stale) {
        this.runtime.index_stale = true;
        this.commit();
      }
    }
  }

  /** Send what the outbox has due, and an index row D1 refused earlier. */
  private flush(): void {
    if (this.runtime?.index_stale && !this.republishing) {
      this.republishing = true;
      const publishing = this.publish().finally(() => {
        this.republishing = false;
      });
      this.ctx.waitUntil(publishing);
    }
    this.history.flush();
  }

  /** Drop the task from memory and storage (the alarm goes with it). */
  private async forget(): Promise<void> {
    this.definition = undefined;
    this.runtime = undefined;
    this.armedAt = null;
    await this.ctx.storage.deleteAll();
    this.history.reset();
    this.notifier.reset();
  }
}
