import { BelfryError, overBudget } from "./errors";
import { promoteDueOccurrences } from "./occurrences";
import { firstGridPoint } from "./schedule";
import { patchDefinition, type TaskDefinition, type TaskLimits } from "./task-definition";
import type { PatchTaskInput } from "./task-input";
import type { TaskRuntime } from "./task-runtime";
import { FINISHED_STATES } from "./task-view";
import { earliestTimer, insertTimer, manualExecutionId, nextDueTimer, type Timer } from "./timers";

// The rules of a task's life — what each command may do in which state, and what it changes —
// as pure functions over the task's definition and runtime. The TaskObject applies them and
// stores the result; docs/schedules-and-delivery.md describes them for users.

/** The runtime of a task just created: active, no calls made, waiting for its first grid point. */
export function startRuntime(def: TaskDefinition, now: number): TaskRuntime {
  return {
    progress: {
      state: "active",
      next_run_at: firstGridPoint(def.schedule),
      last_run_at: null,
      executions: { total: 0, succeeded: 0, failed: 0 },
      occurrences_used: 0,
      last_response: null,
      last_error: null,
      reason: null,
      consecutive_failures: 0,
      paused_reason: null,
      finished_at: null,
      version: now,
    },
    timers: [],
    last_number: 0,
    generation: 0,
  };
}

/** Stop firing until resumed; queued calls wait. Pausing a paused task changes nothing. */
export function pauseTask(runtime: TaskRuntime): void {
  const { progress } = runtime;
  if (progress.state === "paused") return;
  if (progress.state !== "active") {
    throw new BelfryError("conflict", `task is ${progress.state} and cannot be paused`);
  }
  progress.state = "paused";
  progress.paused_reason = "user";
}

/**
 * Fire again; grid points missed while paused follow the catch-up window and misfire policy.
 * The count of failures in a row starts afresh, so a task the failure policy paused gets its
 * full allowance again.
 */
export function resumeTask(runtime: TaskRuntime): void {
  const { progress } = runtime;
  if (progress.state === "active") return;
  if (progress.state !== "paused") {
    throw new BelfryError("conflict", `task is ${progress.state} and cannot be resumed`);
  }
  progress.state = "active";
  progress.paused_reason = null;
  progress.consecutive_failures = 0;
}

/** What an occurrence's end did to the task's count of failures in a row. */
export interface OccurrenceOutcome {
  /** Occurrences in a row whose final attempt failed, this one included. */
  consecutive_failures: number;
  /** This failure made the failure policy pause the task. */
  paused: boolean;
  /** This success ended a run of one or more failed occurrences. */
  recovered: boolean;
}

/**
 * Count an occurrence that ended (its final attempt was recorded): a success clears the count
 * (and is a recovery when the occurrence before it failed, resumed or not), a failure adds one, and once the count reaches the task's `pause_after_failures` an active
 * task is paused by the system (`paused_reason: "failures"`). A task that 410 Gone or a
 * one-time failure ended stays failed. Null for an attempt that will be retried.
 */
export function countOccurrence(
  def: TaskDefinition,
  runtime: TaskRuntime,
  attempt: { final: boolean; successful: boolean },
): OccurrenceOutcome | null {
  if (!attempt.final) return null;
  const { progress } = runtime;
  const recovered = progress.failing === true || (progress.consecutive_failures ?? 0) > 0;
  if (attempt.successful) {
    progress.consecutive_failures = 0;
    progress.failing = false;
    return { consecutive_failures: 0, paused: false, recovered };
  }
  const count = (progress.consecutive_failures ?? 0) + 1;
  progress.consecutive_failures = count;
  progress.failing = true;
  const limit = def.pause_after_failures ?? null;
  const paused = limit !== null && count >= limit && progress.state === "active";
  if (paused) {
    progress.state = "paused";
    progress.paused_reason = "failures";
  }
  return { consecutive_failures: count, paused, recovered: false };
}

/** Stop for good; queued calls are dropped. Cancelling a cancelled task changes nothing. */
export function cancelTask(runtime: TaskRuntime, now: number): void {
  const { progress } = runtime;
  if (progress.state === "cancelled") return;
  if (FINISHED_STATES.has(progress.state)) {
    throw new BelfryError("conflict", `task is ${progress.state} and cannot be cancelled`);
  }
  progress.state = "cancelled";
  progress.next_run_at = null;
  progress.finished_at = now;
  runtime.timers = [];
}

/**
 * Queue one extra call now, outside the schedule and its occurrence count. At most `maxQueued`
 * manual runs wait at once (a 409 naming the budget beyond).
 */
export function queueManualRun(
  def: TaskDefinition,
  runtime: TaskRuntime,
  now: number,
  maxQueued: number,
): void {
  if (FINISHED_STATES.has(runtime.progress.state)) {
    throw new BelfryError("conflict", `task is ${runtime.progress.state} and cannot run`);
  }
  queueManualCall(def, runtime, now, maxQueued, { waiting: "manual runs", again: "run it again" });
}

/**
 * Queue a call now, outside the schedule, with an execution number and id of its own (a manual
 * run, or a replay of `replayOf`). Bounded, so a task's stored runtime cannot grow without end
 * (docs/security.md): at most `maxQueued` such calls wait at once, a 409 naming the budget
 * beyond.
 */
function queueManualCall(
  def: TaskDefinition,
  runtime: TaskRuntime,
  now: number,
  maxQueued: number,
  refusal: { waiting: string; again: string },
  replayOf?: string,
): Timer {
  const queued = runtime.timers.filter((t) => t.manual).length;
  if (queued >= maxQueued) {
    throw overBudget(
      "MAX_QUEUED_RUNS",
      `the task has ${queued} ${refusal.waiting} waiting, the most allowed; ${refusal.again} once they are made`,
    );
  }
  runtime.last_number += 1;
  const timer: Timer = {
    execution_id: manualExecutionId(def.id, def.created_at, runtime.last_number),
    number: runtime.last_number,
    attempt: 1,
    scheduled_at: now,
    due_at: now,
    manual: true,
    ...(replayOf !== undefined && { replay_of: replayOf }),
  };
  insertTimer(runtime.timers, timer);
  return timer;
}

/**
 * Why the request an earlier execution sent cannot be sent again, or null when it can. The
 * history keeps each attempt's answer, not its request, so the request is built again from the
 * definition: that is the same request only if the definition has not changed since the
 * execution started and its body had no dynamic fields (`$job`, `$state`, `$previous`), whose
 * values at that time are not kept.
 */
export function replayRefusal(
  def: TaskDefinition,
  startedAt: number,
  bodyIsDynamic: boolean,
): string | null {
  if (def.updated_at > startedAt) {
    return "the task was changed after this execution, and the request it sent is not kept";
  }
  if (bodyIsDynamic) {
    return "the task's body has dynamic fields, whose values at that time are not kept";
  }
  return null;
}

/**
 * Queue one call now that sends `executionId`'s request again, with an execution number and id
 * of its own, whatever the task's state (a replay is a deliberate act, even on a finished
 * task). It shares the manual runs' bound, and is made once, never retried.
 */
export function queueReplay(
  def: TaskDefinition,
  runtime: TaskRuntime,
  executionId: string,
  now: number,
  maxQueued: number,
): Timer {
  return queueManualCall(
    def,
    runtime,
    now,
    maxQueued,
    { waiting: "manual runs or replays", again: "replay again" },
    executionId,
  );
}

/**
 * Apply a patch; returns the new definition. A new schedule starts afresh — its own grid, its
 * own occurrence count, new execution ids — as a task created with it would; retries already
 * under way and manual runs stay queued.
 */
export function patchTask(
  def: TaskDefinition,
  runtime: TaskRuntime,
  patch: PatchTaskInput,
  now: number,
  limits: TaskLimits,
): TaskDefinition {
  const { progress } = runtime;
  if (FINISHED_STATES.has(progress.state)) {
    throw new BelfryError("conflict", `task is ${progress.state} and can no longer be changed`);
  }
  const next = patchDefinition(def, patch, now, limits);
  if (patch.schedule) {
    progress.next_run_at = firstGridPoint(next.schedule);
    progress.occurrences_used = 0;
    runtime.generation = (runtime.generation ?? 0) + 1;
    runtime.timers = runtime.timers.filter((t) => t.manual || t.attempt > 1 || t.due_at <= now);
  }
  return next;
}

/** The earliest call still to make — the next grid point or a queued call — or null. */
export function wakeTime(runtime: TaskRuntime): number | null {
  const active = runtime.progress.state === "active";
  const timer = earliestTimer(runtime.timers, active);
  const grid = active ? runtime.progress.next_run_at : null;
  if (timer === null) return grid;
  return grid === null ? timer : Math.min(timer, grid);
}

/**
 * The call to make next at `now`, after turning a due grid point into calls; null when nothing
 * is due. Changes the runtime (promoted calls are queued) only when something was due.
 */
export function nextCall(def: TaskDefinition, runtime: TaskRuntime, now: number): Timer | null {
  const promotion = promoteDueOccurrences(
    def,
    runtime.progress,
    runtime.last_number,
    runtime.generation ?? 0,
    now,
  );
  if (promotion) {
    for (const timer of promotion.timers) insertTimer(runtime.timers, timer);
    runtime.last_number = promotion.lastNumber;
    runtime.progress.occurrences_used = promotion.occurrencesUsed;
    runtime.progress.next_run_at = promotion.nextRunAt;
  }
  return nextDueTimer(runtime.timers, now, runtime.progress.state === "active");
}

/** Versions grow with the clock, so a task re-created under the same id outranks its past. */
export function bumpVersion(runtime: TaskRuntime, now: number): void {
  const { progress } = runtime;
  progress.version = Math.max(progress.version + 1, now);
}
