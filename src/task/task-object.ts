import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../config";
import { extractState } from "../core/dynamic-fields";
import { BelfryError, overBudget, type SerializedError } from "../core/errors";
import type { HistoryMessage, TaskIndexEntry } from "../core/history";
import { constantTimeEqual } from "../core/keys";
import { promoteDueOccurrences } from "../core/occurrences";
import { firstGridPoint } from "../core/schedule";
import { patchDefinition, type TaskDefinition, type TaskLimits } from "../core/task-definition";
import type { PatchTaskInput } from "../core/task-input";
import {
  type AttemptResult,
  completeIfDone,
  recordAttempt,
  type TaskRuntime,
} from "../core/task-runtime";
import { FINISHED_STATES, type TaskSnapshot } from "../core/task-view";
import { earliestTimer, executionId, insertTimer, nextDueTimer, type Timer } from "../core/timers";
import { database } from "../db/client";
import { findProject } from "../db/projects";
import { upsertTask } from "../db/task-index";
import { type PreparedRequest, prepareRequest, sendAttempt } from "./dispatch";
import { type EventType, Notifier } from "./notifier";

/** The outcome of a call into a TaskObject: errors travel as data, since RPC drops their class. */
export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** How long a project's signing secrets are reused before D1 is asked again. */
const SECRETS_TTL_MS = 60_000;
/** How soon outbox records the queue did not accept are sent again. */
const OUTBOX_RETRY_MS = 5_000;
/** How long a record handed to the queue may wait for the history writer's acknowledgement. */
const ACK_TIMEOUT_MS = 10_000;
/** Acknowledged records wait for the task's next write only if it comes this soon. */
const ACK_COMMIT_WITHIN_MS = 5_000;
/** An alarm handler gives way after this long, re-arming itself, so it never runs unbounded. */
const ALARM_BUDGET_MS = 60_000;

/** The result of an attempt that never reached the network. */
const NO_RESPONSE: AttemptResult = {
  status_code: null,
  error: null,
  headers: {},
  body: "",
  truncated: false,
  started_at: 0,
  duration_ms: 0,
};

function fail<T>(error: BelfryError): TaskResult<T> {
  return { ok: false, error: error.toJSON() };
}

/**
 * One task. Its definition and runtime (progress and queued calls) are held in memory and
 * written to the object's storage at each commit point; the one alarm is always derived from
 * them (the earliest pending call). The alarm handler serves due calls one at a time, so a task
 * never has two requests in flight. History records go to an outbox in the same write as the
 * change they describe, and leave it once the history queue has accepted them.
 */
export class TaskObject extends DurableObject<Env> {
  private definition: TaskDefinition | undefined;
  private runtime: TaskRuntime | undefined;
  private secrets: { projectId: string; values: string[]; until: number } | undefined;
  /** The alarm time last set, so an unchanged alarm costs no write. */
  private armedAt: number | null;
  /** Outbox records in storage that the history writer has not acknowledged. */
  private readonly unacknowledged = new Set<number>();
  /** Records handed to the queue, by sequence number, with when; resent if never acknowledged. */
  private readonly awaiting = new Map<number, number>();
  /** Records the history writer acknowledged, deleted with the next write. */
  private acknowledged: number[] = [];
  /** The last outbox sequence number handed out. */
  private lastSeq: number;
  private flushing = false;
  /** The runtime changed since the last commit. */
  private dirty = false;
  private readonly notifier: Notifier;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.notifier = new Notifier((promise) => ctx.waitUntil(promise));
    this.definition = ctx.storage.kv.get<TaskDefinition>("definition");
    // Only an object that holds a task has an outbox; acknowledgements reaching an object whose
    // task was deleted must not leave storage behind.
    const outbox = this.definition
      ? ctx.storage.sql.exec<{ seq: number }>("SELECT seq FROM outbox").toArray()
      : [];
    let last = 0;
    for (const { seq } of outbox) {
      this.unacknowledged.add(seq);
      last = Math.max(last, seq);
    }
    this.lastSeq = last;
    this.runtime = ctx.storage.kv.get<TaskRuntime>("runtime");
    // After a restart the stored alarm is unknown here; the first arm() sets it again.
    this.armedAt = null;
  }

  // ---- commands (called by the Worker over RPC) ----

  /** Store a new task; a second create for the same id returns the first task unchanged. */
  async create(
    def: TaskDefinition,
  ): Promise<TaskResult<{ snapshot: TaskSnapshot; created: boolean }>> {
    if (this.definition && this.runtime) {
      if (this.definition.project_id !== def.project_id) {
        return fail(new BelfryError("conflict", "idempotency_key: already used"));
      }
      return { ok: true, value: { snapshot: this.snapshot(), created: false } };
    }
    this.definition = def;
    this.runtime = {
      progress: {
        state: "active",
        next_run_at: firstGridPoint(def.schedule),
        last_run_at: null,
        executions: { total: 0, succeeded: 0, failed: 0 },
        occurrences_used: 0,
        last_response: null,
        last_error: null,
        reason: null,
        finished_at: null,
        version: Date.now(),
      },
      timers: [],
      last_number: 0,
    };
    this.ctx.storage.kv.put("definition", def);
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, message TEXT NOT NULL)",
    );
    // A schedule with no future occurrence (allowed for Chronos) completes at once.
    this.completeIfDone();
    this.commit();
    await this.publish();
    return { ok: true, value: { snapshot: this.snapshot(), created: true } };
  }

  /** The task's project when `token` is its access token, compared in constant time. */
  async projectForToken(token: string): Promise<string | null> {
    const expected = this.definition?.access_token;
    if (!this.definition || !expected || !constantTimeEqual(expected, token)) return null;
    return this.definition.project_id;
  }

  /** The task, when it belongs to `projectId`. */
  async read(projectId: string): Promise<TaskResult<TaskSnapshot>> {
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
      const { progress } = runtime;
      if (FINISHED_STATES.has(progress.state)) {
        throw new BelfryError("conflict", `task is ${progress.state} and can no longer be changed`);
      }
      const now = Date.now();
      const next = patchDefinition(def, patch, now, limits);
      this.definition = next;
      this.ctx.storage.kv.put("definition", next);
      if (patch.schedule) {
        progress.next_run_at = firstGridPoint(next.schedule);
        progress.occurrences_used = 0;
        // Calls queued for the old schedule go; retries already under way finish.
        runtime.timers = runtime.timers.filter((t) => t.manual || t.attempt > 1 || t.due_at <= now);
      }
    });
  }

  /** Stop firing until resumed; pending calls wait. */
  async pause(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, { progress }) => {
      if (progress.state === "paused") return;
      if (progress.state !== "active") {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot be paused`);
      }
      progress.state = "paused";
    });
  }

  /** Fire again; grid points missed while paused follow the misfire policy. */
  async resume(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, { progress }) => {
      if (progress.state === "active") return;
      if (progress.state !== "paused") {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot be resumed`);
      }
      progress.state = "active";
    });
  }

  /** Stop for good; pending calls are dropped. */
  async cancel(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, runtime) => {
      const { progress } = runtime;
      if (progress.state === "cancelled") return;
      if (FINISHED_STATES.has(progress.state)) {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot be cancelled`);
      }
      progress.state = "cancelled";
      progress.next_run_at = null;
      progress.finished_at = Date.now();
      runtime.timers = [];
    });
  }

  /** Queue one extra call now, outside the schedule and its occurrence count. */
  async run(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (def, runtime) => {
      if (FINISHED_STATES.has(runtime.progress.state)) {
        throw new BelfryError("conflict", `task is ${runtime.progress.state} and cannot run`);
      }
      // Bounded, so a task's stored runtime cannot grow without end (docs/security.md).
      const queued = runtime.timers.filter((t) => t.manual).length;
      if (queued >= readConfig(this.env).maxQueuedRuns) {
        throw overBudget(
          "MAX_QUEUED_RUNS",
          `the task has ${queued} manual runs waiting, the most allowed; run it again once they are made`,
        );
      }
      const now = Date.now();
      runtime.last_number += 1;
      insertTimer(runtime.timers, {
        execution_id: executionId(def.id, def.created_at, runtime.last_number),
        number: runtime.last_number,
        attempt: 1,
        scheduled_at: now,
        due_at: now,
        manual: true,
      });
    });
  }

  /** Cancel and forget the task; its index row stays as a tombstone so history remains listed. */
  async remove(projectId: string): Promise<TaskResult<{ id: string }>> {
    const missing = this.checkOwner(projectId);
    if (missing || !this.definition || !this.runtime) {
      return fail(missing ?? new BelfryError("not_found", "task not found"));
    }
    const id = this.definition.id;
    const { progress } = this.runtime;
    progress.state = "cancelled";
    progress.next_run_at = null;
    progress.finished_at ??= Date.now();
    this.runtime.timers = [];
    this.bumpVersion();
    // Cancelled for good before anything can fail: at worst the task stays, cancelled.
    this.commit();
    // Every record not yet in D1 goes to the queue now; the storage holding them goes next.
    await this.flushOutbox(true);
    await upsertTask(this.env.DB, {
      snapshot: this.snapshot(),
      wake_at: null,
      deleted_at: Date.now(),
    });
    this.definition = undefined;
    this.runtime = undefined;
    this.armedAt = null;
    this.unacknowledged.clear();
    this.awaiting.clear();
    this.acknowledged = [];
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return { ok: true, value: { id } };
  }

  /** Re-derive the alarm from storage (the sweeper's poke after a possible lost alarm). */
  async rearm(): Promise<void> {
    this.armedAt = null;
    this.arm();
  }

  /** The history writer has these outbox records of the task created at `createdAt` in D1. */
  async acknowledge(createdAt: number, seqs: number[]): Promise<void> {
    // Acknowledgements for an earlier task under the same id (deleted, then re-created).
    if (this.definition?.created_at !== createdAt) return;
    for (const seq of seqs) {
      // Only records still in the outbox: a resent record may be acknowledged twice.
      if (!this.unacknowledged.delete(seq)) continue;
      this.awaiting.delete(seq);
      this.acknowledged.push(seq);
    }
    // A busy task deletes them with its next write; one with no write soon does it now.
    const wake = this.wakeAt();
    if (wake === null || wake - Date.now() > ACK_COMMIT_WITHIN_MS) this.commit();
  }

  // ---- the alarm: serve due calls ----

  override async alarm(): Promise<void> {
    this.armedAt = null; // this alarm has fired
    const started = Date.now();
    while (this.definition && this.runtime && Date.now() - started < ALARM_BUDGET_MS) {
      const now = Date.now();
      const promotion = promoteDueOccurrences(
        this.definition,
        this.runtime.progress,
        this.runtime.last_number,
        now,
      );
      if (promotion) {
        // Kept in memory until the attempt is recorded: replanned identically after a crash.
        const { progress, timers } = this.runtime;
        for (const timer of promotion.timers) insertTimer(timers, timer);
        this.runtime.last_number = promotion.lastNumber;
        progress.occurrences_used = promotion.occurrencesUsed;
        progress.next_run_at = promotion.nextRunAt;
        this.dirty = true;
      }
      const timer = nextDueTimer(
        this.runtime.timers,
        now,
        this.runtime.progress.state === "active",
      );
      if (!timer) break;
      await this.execute(timer);
    }
    if (!this.definition || !this.runtime) return;
    // Completed by the misfire policy dropping its last grid points, with no call to record.
    const completion = this.completeIfDone()
      ? this.emit({ progress: this.progressUpdate() })
      : null;
    if (this.dirty) this.commit();
    else this.arm();
    if (completion) this.sendNow(completion);
    if (this.resendDue(Date.now())) {
      await this.flushOutbox();
      this.arm();
    }
  }

  /** Make one attempt and record it: one fetch, then one storage write and one queue send. */
  private async execute(timer: Timer): Promise<void> {
    const def = this.definition;
    const runtime = this.runtime;
    if (!def || !runtime) return;
    let secrets: string[] = [];
    let request: PreparedRequest | null = null;
    let failure: string | null = null;
    try {
      secrets = await this.signingSecrets(def.project_id);
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

    const scheduledAt = new Date(timer.scheduled_at).toISOString();
    const event = (type: EventType, data: Record<string, unknown>) => {
      if (!def.events_url) return;
      const payload = {
        type,
        task_id: def.id,
        execution_id: timer.execution_id,
        at: new Date().toISOString(),
        data: { execution: timer.number, attempt: timer.attempt, ...data },
      };
      this.notifier.post(def.events_url, payload, secrets);
    };
    let result: AttemptResult;
    if (request) {
      if (timer.attempt === 1) event("job.started", { scheduled_at: scheduledAt });
      event("job.request", { method: def.method, url: request.url });
      result = await sendAttempt(request, def.timeout);
    } else {
      const now = Date.now();
      result = { ...NO_RESPONSE, error: failure, started_at: now };
    }

    // Deleted while the call was in flight: nothing left to record into.
    const current = this.definition;
    if (current?.id !== def.id || this.runtime !== runtime) return;
    // Recorded against the definition as it is now: a patch may have landed meanwhile.
    const { record, response, retrying } = recordAttempt(
      current,
      runtime,
      timer,
      result,
      Date.now(),
    );
    if (record.successful) {
      const state = extractState(result.body);
      if (state !== undefined) this.ctx.storage.kv.put("job_state", state);
    }
    this.bumpVersion();
    const outboxRecord = this.emit({ attempt: record, progress: this.progressUpdate() });
    this.commit();
    this.sendNow(outboxRecord);

    if (result.status_code !== null) {
      event("job.response", { status_code: result.status_code, duration_ms: result.duration_ms });
    }
    if (!record.successful) event("job.error", { error: record.error, will_retry: retrying });
    if (record.final) {
      event("job.finished", { successful: record.successful, status_code: result.status_code });
      if (def.callback_url) {
        const callback = {
          task_id: def.id,
          execution: {
            id: timer.execution_id,
            number: timer.number,
            attempts: timer.attempt,
            scheduled_at: scheduledAt,
            successful: record.successful,
            error: record.error,
          },
          response: { ...response, headers: result.headers, truncated: result.truncated },
        };
        this.notifier.post(def.callback_url, callback, secrets);
      }
    }
    if (this.env.LOG_ATTEMPTS !== "0") {
      console.log(
        JSON.stringify({
          event: "attempt",
          task_id: def.id,
          project_id: def.project_id,
          execution: timer.number,
          attempt: timer.attempt,
          status_code: result.status_code,
          error: record.error,
          lateness_ms: record.lateness_ms,
          duration_ms: result.duration_ms,
        }),
      );
    }
  }

  /** Complete the task if it has nothing left to call; true when it did. */
  private completeIfDone(): boolean {
    if (!this.runtime || !completeIfDone(this.runtime, Date.now())) return false;
    this.bumpVersion();
    this.dirty = true;
    return true;
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

  /** Apply a lifecycle change, write it, re-arm, and update the index before answering. */
  private async change(
    projectId: string,
    apply: (def: TaskDefinition, runtime: TaskRuntime) => void,
  ): Promise<TaskResult<TaskSnapshot>> {
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
    this.completeIfDone();
    this.bumpVersion();
    this.commit();
    await this.publish();
    return { ok: true, value: this.snapshot() };
  }

  /** Versions grow with the clock, so a task recreated under the same id outranks its past. */
  private bumpVersion(): void {
    if (!this.runtime) return;
    const { progress } = this.runtime;
    progress.version = Math.max(progress.version + 1, Date.now());
  }

  /** The earliest call still to make: the next grid point or a queued call. */
  private wakeAt(): number | null {
    const runtime = this.runtime;
    if (!runtime) return null;
    const active = runtime.progress.state === "active";
    const timer = earliestTimer(runtime.timers, active);
    const grid = active ? runtime.progress.next_run_at : null;
    if (timer === null) return grid;
    return grid === null ? timer : Math.min(timer, grid);
  }

  private indexEntry(): TaskIndexEntry {
    return { snapshot: this.snapshot(), wake_at: this.wakeAt(), deleted_at: null };
  }

  private progressUpdate() {
    const snapshot = this.snapshot();
    return { id: snapshot.definition.id, progress: snapshot.progress, wake_at: this.wakeAt() };
  }

  /**
   * Write the runtime, drop outbox records the queue has accepted, and set the alarm — all
   * synchronous, so they land in one storage transaction.
   */
  private commit(): void {
    if (this.runtime) this.ctx.storage.kv.put("runtime", this.runtime);
    this.dirty = false;
    for (const seq of this.acknowledged) {
      this.ctx.storage.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
    }
    this.acknowledged = [];
    this.arm();
  }

  /** When outbox records should be sent again: never sent, or not acknowledged in time. */
  private resendAt(): number | null {
    if (this.unacknowledged.size === 0) return null;
    if (this.unacknowledged.size > this.awaiting.size) return Date.now() + OUTBOX_RETRY_MS;
    let oldest = Number.POSITIVE_INFINITY;
    for (const at of this.awaiting.values()) oldest = Math.min(oldest, at);
    return oldest + ACK_TIMEOUT_MS;
  }

  private resendDue(now: number): boolean {
    const at = this.resendAt();
    return at !== null && at <= now + OUTBOX_RETRY_MS;
  }

  /** Set the one alarm: the earliest pending call, or a resend of outbox records. */
  private arm(): void {
    const candidates: number[] = [];
    const wake = this.wakeAt();
    if (wake !== null) candidates.push(wake);
    const resend = this.resendAt();
    if (resend !== null) candidates.push(resend);
    const earliest = candidates.length > 0 ? Math.min(...candidates) : null;
    // Never a time already past: an alarm set for "now" from inside alarm() may not fire.
    const at = earliest === null ? null : Math.max(earliest, Date.now() + 1);
    if (at === this.armedAt) return;
    this.armedAt = at;
    if (at === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(at);
  }

  /** Write the index row now; if D1 fails, the outbox delivers it later through the queue. */
  private async publish(): Promise<void> {
    const entry = this.indexEntry();
    try {
      await upsertTask(this.env.DB, entry);
    } catch (error) {
      console.error(JSON.stringify({ event: "index_write_failed", error: String(error) }));
      const record = this.emit({ task: entry });
      this.commit();
      this.sendNow(record);
    }
  }

  /** Add a record to the outbox, written with the next commit. */
  private emit(message: Omit<HistoryMessage, "ack">): { seq: number; body: string } {
    // Sequence numbers grow with the clock (a thousand per millisecond), so they never repeat
    // within a task, even across restarts, and a late acknowledgement of an old record cannot
    // remove a new one — without writing a counter on every call.
    const seq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    this.lastSeq = seq;
    const ack = {
      task_id: this.definition?.id ?? "",
      created_at: this.definition?.created_at ?? 0,
      seq,
    };
    const body = JSON.stringify({ ...message, ack } satisfies HistoryMessage);
    this.ctx.storage.sql.exec("INSERT INTO outbox (seq, message) VALUES (?, ?)", seq, body);
    this.unacknowledged.add(seq);
    return { seq, body };
  }

  /**
   * Hand one just-committed record to the queue without holding up the task's next call. It
   * stays in the outbox until the history writer acknowledges it, since a queue may lose what
   * it has not yet delivered (the local one keeps messages in memory).
   */
  private sendNow(record: { seq: number; body: string }): void {
    this.awaiting.set(record.seq, Date.now());
    const sending = this.env.HISTORY.send(record.body, { contentType: "text" }).catch(
      (error: unknown) => {
        this.awaiting.delete(record.seq);
        console.error(JSON.stringify({ event: "outbox_send_failed", error: String(error) }));
        this.arm();
      },
    );
    this.ctx.waitUntil(sending);
  }

  /**
   * Send again every outbox record never sent or not acknowledged in time — with `all`, every
   * record not acknowledged — in batches.
   */
  private async flushOutbox(all = false): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let after = 0;
      for (;;) {
        const now = Date.now();
        const page = this.ctx.storage.sql
          .exec<{ seq: number; message: string }>(
            "SELECT seq, message FROM outbox WHERE seq > ? ORDER BY seq LIMIT 100",
            after,
          )
          .toArray();
        const last = page.at(-1);
        if (!last) return;
        after = last.seq;
        const rows = page.filter((r) => {
          if (!this.unacknowledged.has(r.seq)) return false;
          const sentAt = this.awaiting.get(r.seq);
          return all || sentAt === undefined || sentAt + ACK_TIMEOUT_MS <= now;
        });
        if (rows.length === 0) continue;
        await this.env.HISTORY.sendBatch(
          rows.map((r) => ({ body: r.message, contentType: "text" as const })),
        );
        for (const r of rows) this.awaiting.set(r.seq, now);
      }
    } catch (error) {
      console.error(JSON.stringify({ event: "outbox_send_failed", error: String(error) }));
    } finally {
      this.flushing = false;
    }
  }

  /** The project's current signing secrets (two during a rotation), cached briefly. */
  private async signingSecrets(projectId: string): Promise<string[]> {
    const now = Date.now();
    if (this.secrets && this.secrets.projectId === projectId && this.secrets.until > now) {
      return this.secrets.values;
    }
    let project: Awaited<ReturnType<typeof findProject>>;
    try {
      project = await findProject(database(this.env.DB), projectId);
    } catch (error) {
      // D1 unreachable: the secrets last read still sign correctly for a while.
      if (this.secrets?.projectId === projectId) return this.secrets.values;
      throw error;
    }
    const values: string[] = [];
    if (project?.signingSecret) {
      values.push(project.signingSecret);
      if (
        project.previousSigningSecret &&
        project.previousValidUntil !== null &&
        project.previousValidUntil > now
      ) {
        values.push(project.previousSigningSecret);
      }
    }
    this.secrets = { projectId, values, until: now + SECRETS_TTL_MS };
    return values;
  }
}
