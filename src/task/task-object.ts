import { DurableObject } from "cloudflare:workers";
import { extractState, hasDynamicFields, resolveDynamicFields } from "../core/dynamic-fields";
import { BelfryError, type SerializedError } from "../core/errors";
import type { AttemptRecord, HistoryMessage, TaskIndexEntry } from "../core/history";
import { constantTimeEqual } from "../core/keys";
import { classifyAttempt } from "../core/retry";
import { firstGridPoint, planDue } from "../core/schedule";
import { signPayload } from "../core/signing";
import { patchDefinition, type TaskDefinition, type TaskLimits } from "../core/task-definition";
import type { PatchTaskInput } from "../core/task-input";
import { FINISHED_STATES, type TaskProgress, type TaskSnapshot } from "../core/task-view";
import { database } from "../db/client";
import { findProject } from "../db/projects";
import { upsertTask } from "../db/task-index";
import { encodeBody, requestHeaders, sendAttempt, targetUrl } from "./dispatch";
import { type EventType, Notifier } from "./notifier";

/** The outcome of a call into a TaskObject: errors travel as data, since RPC drops their class. */
export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

interface Timer {
  execution_id: string;
  number: number;
  attempt: number;
  scheduled_at: number;
  due_at: number;
  manual: number;
}

/** How long a project's signing secrets are reused before D1 is asked again. */
const SECRETS_TTL_MS = 60_000;
/** How soon an outbox that could not reach the queue is tried again. */
const OUTBOX_RETRY_MS = 5_000;
/** An alarm handler gives way after this long, re-arming itself, so it never runs unbounded. */
const ALARM_BUDGET_MS = 60_000;

function fail<T>(error: BelfryError): TaskResult<T> {
  return { ok: false, error: error.toJSON() };
}

/**
 * One task: its definition, progress and timers live in this object's SQLite storage, and its
 * single alarm is always derived from them (the earliest pending call). The alarm handler serves
 * due calls one at a time, so a task never has two requests in flight.
 */
export class TaskObject extends DurableObject<Env> {
  private definition: TaskDefinition | undefined;
  private progress: TaskProgress | undefined;
  /** Last execution number handed out; numbers run 1, 2, 3… over the calls made. */
  private lastNumber = 0;
  private secrets: { projectId: string; values: string[]; until: number } | undefined;
  private flushing = false;
  private readonly notifier: Notifier;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.notifier = new Notifier((promise) => ctx.waitUntil(promise));
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS timers (
      execution_id TEXT PRIMARY KEY, number INTEGER NOT NULL, attempt INTEGER NOT NULL,
      scheduled_at INTEGER NOT NULL, due_at INTEGER NOT NULL, manual INTEGER NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at, number)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT)",
    );
    this.definition = ctx.storage.kv.get<TaskDefinition>("definition");
    this.progress = ctx.storage.kv.get<TaskProgress>("progress");
    this.lastNumber = ctx.storage.kv.get<number>("last_number") ?? 0;
  }

  // ---- commands (called by the Worker over RPC) ----

  /** Store a new task; a second create for the same id returns the first task unchanged. */
  async create(
    def: TaskDefinition,
  ): Promise<TaskResult<{ snapshot: TaskSnapshot; created: boolean }>> {
    if (this.definition && this.progress) {
      if (this.definition.project_id !== def.project_id) {
        return fail(new BelfryError("conflict", "idempotency_key: already used"));
      }
      return { ok: true, value: { snapshot: this.snapshot(), created: false } };
    }
    this.definition = def;
    this.progress = {
      state: "active",
      next_run_at: firstGridPoint(def.schedule),
      last_run_at: null,
      executions: { total: 0, succeeded: 0, failed: 0 },
      occurrences_used: 0,
      last_response: null,
      last_error: null,
      reason: null,
      version: Date.now(),
    };
    this.lastNumber = 0;
    this.ctx.storage.kv.put("definition", def);
    // A schedule with no future occurrence (allowed for Chronos) completes at once.
    this.completeIfDone();
    this.saveProgress();
    await this.armAlarm();
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
    return this.change(projectId, (def, progress) => {
      if (FINISHED_STATES.has(progress.state)) {
        throw new BelfryError("conflict", `task is ${progress.state} and can no longer be changed`);
      }
      const next = patchDefinition(def, patch, Date.now(), limits);
      this.definition = next;
      this.ctx.storage.kv.put("definition", next);
      if (patch.schedule) {
        progress.next_run_at = firstGridPoint(next.schedule);
        progress.occurrences_used = 0;
        this.ctx.storage.sql.exec(
          "DELETE FROM timers WHERE attempt = 1 AND manual = 0 AND due_at > ?",
          Date.now(),
        );
      }
    });
  }

  /** Stop firing until resumed; pending calls wait. */
  async pause(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, progress) => {
      if (progress.state === "paused") return;
      if (progress.state !== "active") {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot be paused`);
      }
      progress.state = "paused";
    });
  }

  /** Fire again; grid points missed while paused follow the misfire policy. */
  async resume(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, progress) => {
      if (progress.state === "active") return;
      if (progress.state !== "paused") {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot be resumed`);
      }
      progress.state = "active";
    });
  }

  /** Stop for good; pending calls are dropped. */
  async cancel(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, progress) => {
      if (progress.state === "cancelled") return;
      if (FINISHED_STATES.has(progress.state)) {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot be cancelled`);
      }
      progress.state = "cancelled";
      progress.next_run_at = null;
      this.ctx.storage.sql.exec("DELETE FROM timers");
    });
  }

  /** Queue one extra call now, outside the schedule and its occurrence count. */
  async run(projectId: string): Promise<TaskResult<TaskSnapshot>> {
    return this.change(projectId, (_def, progress) => {
      if (FINISHED_STATES.has(progress.state)) {
        throw new BelfryError("conflict", `task is ${progress.state} and cannot run`);
      }
      const now = Date.now();
      this.addTimer({
        execution_id: crypto.randomUUID(),
        number: this.takeNumber(),
        attempt: 1,
        scheduled_at: now,
        due_at: now,
        manual: 1,
      });
    });
  }

  /** Cancel and forget the task; its index row stays as a tombstone so history remains listed. */
  async remove(projectId: string): Promise<TaskResult<{ id: string }>> {
    const missing = this.checkOwner(projectId);
    if (missing || !this.definition || !this.progress) {
      return fail(missing ?? new BelfryError("not_found", "task not found"));
    }
    const id = this.definition.id;
    this.progress.state = "cancelled";
    this.progress.next_run_at = null;
    this.bumpVersion();
    await this.flushOutbox();
    await upsertTask(database(this.env.DB), {
      snapshot: this.snapshot(),
      wake_at: null,
      deleted_at: Date.now(),
    });
    this.definition = undefined;
    this.progress = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return { ok: true, value: { id } };
  }

  /** Re-derive the alarm from storage (the sweeper's poke after a possible lost alarm). */
  async rearm(): Promise<void> {
    await this.armAlarm();
  }

  // ---- the alarm: serve due calls ----

  override async alarm(): Promise<void> {
    const started = Date.now();
    while (this.definition && Date.now() - started < ALARM_BUDGET_MS) {
      const now = Date.now();
      this.promoteDueOccurrences(now);
      const timer = this.nextDueTimer(now);
      if (!timer) break;
      await this.execute(timer);
      await this.flushOutbox();
    }
    if (!this.definition) return;
    if (this.completeIfDone()) this.emit({ task: this.indexEntry() });
    await this.flushOutbox();
    await this.armAlarm();
  }

  /** Turn due grid points into timers, applying the misfire policy and the occurrence count. */
  private promoteDueOccurrences(now: number): void {
    const def = this.definition;
    const progress = this.progress;
    if (!def || !progress || progress.state !== "active") return;
    if (progress.next_run_at === null || progress.next_run_at > now) return;
    const plan = planDue(def.schedule, progress.next_run_at, now);
    const limit = def.schedule.kind === "once" ? 1 : def.schedule.occurrences;
    const room = limit === undefined ? plan.fire.length : limit - progress.occurrences_used;
    const fire = plan.fire.slice(0, Math.max(0, room));
    for (const at of fire) {
      this.addTimer({
        execution_id: crypto.randomUUID(),
        number: this.takeNumber(),
        attempt: 1,
        scheduled_at: at,
        due_at: at,
        manual: 0,
      });
    }
    progress.occurrences_used += fire.length;
    const exhausted = limit !== undefined && progress.occurrences_used >= limit;
    progress.next_run_at = exhausted ? null : plan.next;
    this.saveProgress();
  }

  private nextDueTimer(now: number): Timer | undefined {
    const active = this.progress?.state === "active";
    const rows = this.ctx.storage.sql.exec<Record<string, number | string>>(
      `SELECT * FROM timers WHERE due_at <= ? ${active ? "" : "AND manual = 1"}
       ORDER BY due_at, number LIMIT 1`,
      now,
    );
    return rows.toArray()[0] as Timer | undefined;
  }

  /** Make one attempt and record it: one fetch, then one storage transaction and one queue send. */
  private async execute(timer: Timer): Promise<void> {
    const def = this.definition;
    if (!def || !this.progress) return;
    const secrets = await this.signingSecrets(def.project_id);
    const scheduledAt = new Date(timer.scheduled_at).toISOString();
    const body = hasDynamicFields(def.body)
      ? resolveDynamicFields(def.body, {
          job: {
            id: def.id,
            name: def.name,
            execution: timer.number,
            execution_id: timer.execution_id,
            attempt: timer.attempt,
            scheduled_at: scheduledAt,
          },
          state: this.ctx.storage.kv.get("job_state") ?? null,
          previous: this.progress.last_response,
        })
      : def.body;
    const bodyText = encodeBody(def, body);
    const timestamp = Math.floor(Date.now() / 1000);
    const signature =
      secrets.length > 0
        ? await signPayload(secrets, timer.execution_id, timestamp, bodyText ?? "")
        : null;
    const headers = requestHeaders(def, bodyText, {
      executionId: timer.execution_id,
      number: timer.number,
      attempt: timer.attempt,
      scheduledAt: timer.scheduled_at,
      timestamp,
      signature,
    });
    const url = targetUrl(def);
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
    if (timer.attempt === 1) event("job.started", { scheduled_at: scheduledAt });
    event("job.request", { method: def.method, url });

    const result = await sendAttempt(url, def.method, headers, bodyText, def.timeout);

    if (this.definition?.id !== def.id || !this.progress) return; // deleted while in flight
    const progress = this.progress;
    const now = Date.now();
    const outcome = classifyAttempt(
      def.retry,
      timer.attempt,
      result.status_code,
      result.headers["retry-after"] ?? null,
      now,
    );
    const stillRunning = progress.state === "active" || progress.state === "paused";
    const retrying = outcome.kind === "retry" && stillRunning;
    const record: AttemptRecord = {
      id: `${timer.execution_id}:${timer.attempt}`,
      execution_id: timer.execution_id,
      task_id: def.id,
      project_id: def.project_id,
      number: timer.number,
      attempt: timer.attempt,
      scheduled_at: timer.scheduled_at,
      started_at: result.started_at,
      duration_ms: result.duration_ms,
      lateness_ms: Math.max(0, result.started_at - timer.scheduled_at),
      status_code: result.status_code,
      successful: outcome.kind === "success",
      error: result.error ?? (outcome.kind === "success" ? null : `HTTP ${result.status_code}`),
      response: { headers: result.headers, body: result.body, truncated: result.truncated },
      final: !retrying,
    };
    const lastResponse = { status_code: result.status_code, body: parseBody(result.body) };
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM timers WHERE execution_id = ?", timer.execution_id);
      progress.last_run_at = result.started_at;
      if (record.successful) {
        const state = extractState(result.body);
        if (state !== undefined) this.ctx.storage.kv.put("job_state", state);
      }
      if (retrying && outcome.kind === "retry") {
        this.addTimer({ ...timer, attempt: timer.attempt + 1, due_at: now + outcome.delay });
      } else {
        progress.executions.total += 1;
        if (record.successful) progress.executions.succeeded += 1;
        else progress.executions.failed += 1;
        progress.last_response = lastResponse;
        progress.last_error = record.successful ? null : record.error;
      }
      if (outcome.kind === "gone" && stillRunning) {
        this.stop("failed", "the target answered 410 Gone");
      } else if (
        !retrying &&
        !record.successful &&
        def.schedule.kind === "once" &&
        timer.manual === 0 &&
        stillRunning
      ) {
        this.stop("failed", `the execution failed: ${record.error}`);
      }
      this.completeIfDone();
      this.bumpVersion();
      this.emit({ attempt: record, task: this.indexEntry() });
    });

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
          response: { ...lastResponse, headers: result.headers, truncated: result.truncated },
        };
        this.notifier.post(def.callback_url, callback, secrets);
      }
    }
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

  /** Finish an active task that has nothing left to call. Returns true when it changed. */
  private completeIfDone(): boolean {
    const progress = this.progress;
    if (progress?.state !== "active" || progress.next_run_at !== null) return false;
    const pending = this.ctx.storage.sql.exec("SELECT 1 FROM timers LIMIT 1").toArray().length;
    if (pending > 0) return false;
    progress.state = "completed";
    this.bumpVersion();
    return true;
  }

  private stop(state: "failed" | "cancelled", reason: string): void {
    if (!this.progress) return;
    this.progress.state = state;
    this.progress.reason = reason;
    this.progress.next_run_at = null;
    this.ctx.storage.sql.exec("DELETE FROM timers");
  }

  // ---- storage helpers ----

  private snapshot(): TaskSnapshot {
    if (!this.definition || !this.progress) throw new Error("task object holds no task");
    return { definition: this.definition, progress: this.progress };
  }

  private checkOwner(projectId: string): BelfryError | null {
    if (!this.definition || this.definition.project_id !== projectId) {
      return new BelfryError("not_found", "task not found");
    }
    return null;
  }

  /** Apply a lifecycle change, persist it, re-arm, and update the index before answering. */
  private async change(
    projectId: string,
    apply: (def: TaskDefinition, progress: TaskProgress) => void,
  ): Promise<TaskResult<TaskSnapshot>> {
    const missing = this.checkOwner(projectId);
    if (missing || !this.definition || !this.progress) {
      return fail(missing ?? new BelfryError("not_found", "task not found"));
    }
    try {
      apply(this.definition, this.progress);
    } catch (error) {
      if (error instanceof BelfryError) return fail(error);
      throw error;
    }
    this.completeIfDone();
    this.bumpVersion();
    await this.armAlarm();
    await this.publish();
    return { ok: true, value: this.snapshot() };
  }

  private takeNumber(): number {
    this.lastNumber += 1;
    this.ctx.storage.kv.put("last_number", this.lastNumber);
    return this.lastNumber;
  }

  private addTimer(timer: Timer): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO timers VALUES (?, ?, ?, ?, ?, ?)",
      timer.execution_id,
      timer.number,
      timer.attempt,
      timer.scheduled_at,
      timer.due_at,
      timer.manual,
    );
  }

  private saveProgress(): void {
    if (this.progress) this.ctx.storage.kv.put("progress", this.progress);
  }

  /** Versions grow with the clock, so a task recreated under the same id still outranks its past. */
  private bumpVersion(): void {
    if (!this.progress) return;
    this.progress.version = Math.max(this.progress.version + 1, Date.now());
    this.saveProgress();
  }

  /** The earliest call still to make: the next grid point or a queued call. */
  private wakeAt(): number | null {
    const progress = this.progress;
    if (!progress) return null;
    const active = progress.state === "active";
    const row = this.ctx.storage.sql
      .exec<{ due: number | null }>(
        `SELECT MIN(due_at) AS due FROM timers ${active ? "" : "WHERE manual = 1"}`,
      )
      .one();
    const candidates = [row.due, active ? progress.next_run_at : null].filter(
      (t): t is number => t !== null,
    );
    return candidates.length > 0 ? Math.min(...candidates) : null;
  }

  private indexEntry(): TaskIndexEntry {
    return { snapshot: this.snapshot(), wake_at: this.wakeAt(), deleted_at: null };
  }

  /** Set the one alarm from the earliest pending call, or from an outbox still to deliver. */
  private async armAlarm(): Promise<void> {
    const candidates: number[] = [];
    const wake = this.wakeAt();
    if (wake !== null) candidates.push(wake);
    const queued = this.ctx.storage.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length;
    if (queued > 0) candidates.push(Date.now() + OUTBOX_RETRY_MS);
    if (candidates.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.min(...candidates));
  }

  /** Write the index row now; if D1 fails, the outbox delivers it later through the queue. */
  private async publish(): Promise<void> {
    const entry = this.indexEntry();
    try {
      await upsertTask(database(this.env.DB), entry);
    } catch (error) {
      console.error(JSON.stringify({ event: "index_write_failed", error: String(error) }));
      this.emit({ task: entry });
      await this.flushOutbox();
    }
  }

  private emit(message: HistoryMessage): void {
    this.ctx.storage.sql.exec("INSERT INTO outbox (message) VALUES (?)", JSON.stringify(message));
  }

  /** Send outbox records to the history queue; they stay until the queue has accepted them. */
  private async flushOutbox(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const rows = this.ctx.storage.sql
          .exec<{ seq: number; message: string }>(
            "SELECT seq, message FROM outbox ORDER BY seq LIMIT 100",
          )
          .toArray();
        const last = rows.at(-1);
        if (!last) return;
        await this.env.HISTORY.sendBatch(
          rows.map((r) => ({ body: r.message, contentType: "text" as const })),
        );
        this.ctx.storage.sql.exec("DELETE FROM outbox WHERE seq <= ?", last.seq);
        if (rows.length < 100) return;
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
    const project = await findProject(database(this.env.DB), projectId);
    const values: string[] = [];
    if (project) {
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

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
