import type { AttemptRecord } from "./history";
import { classifyAttempt } from "./retry";
import type { TaskDefinition } from "./task-definition";
import type { LastResponse, TaskProgress } from "./task-view";
import { insertTimer, type Timer } from "./timers";

/** What changes as a task runs: kept by its object as one value, so each change is one write. */
export interface TaskRuntime {
  progress: TaskProgress;
  timers: Timer[];
  /** Last execution number handed out; numbers run 1, 2, 3… over the calls made. */
  last_number: number;
  /** How many times a patch replaced the schedule (part of scheduled execution ids). */
  generation?: number;
  /** The index row lags behind a change D1 refused; it is written again until D1 takes it. */
  index_stale?: boolean;
}

/** What one attempt produced, whatever happened. */
export interface AttemptResult {
  status_code: number | null;
  error: string | null;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  started_at: number;
  duration_ms: number;
}

/** A response body parsed when it is JSON, else the text itself. */
export function parseBody(text: string): unknown {
  // Most answers that are not JSON are caught here, without the cost of a thrown exception.
  if (!/^\s*[[{"\d\-tfn]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Stop a task as failed, dropping what it still had to call. */
export function failTask(runtime: TaskRuntime, reason: string, now: number): void {
  const { progress } = runtime;
  progress.state = "failed";
  progress.reason = reason;
  progress.finished_at = now;
  progress.next_run_at = null;
  runtime.timers = [];
}

/** Complete an active task that has nothing left to call; true when it did. */
export function completeIfDone(runtime: TaskRuntime, now: number): boolean {
  const { progress } = runtime;
  if (progress.state !== "active" || progress.next_run_at !== null) return false;
  if (runtime.timers.length > 0) return false;
  progress.state = "completed";
  progress.finished_at = now;
  return true;
}

/** What recording an attempt decided. */
export interface RecordedAttempt {
  record: AttemptRecord;
  /** The occurrence's answer as `$previous` and `data.last_response` show it. */
  response: LastResponse;
  retrying: boolean;
}

/**
 * Record a finished attempt in the task's runtime: drop its call, queue the retry or count the
 * occurrence, and stop the task on 410 Gone or when a one-time task's only call failed.
 */
export function recordAttempt(
  def: TaskDefinition,
  runtime: TaskRuntime,
  timer: Timer,
  result: AttemptResult,
  now: number,
): RecordedAttempt {
  const { progress } = runtime;
  const outcome = classifyAttempt(
    def.retry,
    timer.attempt,
    result.status_code,
    result.headers["retry-after"] ?? null,
    now,
  );
  const stillRunning = progress.state === "active" || progress.state === "paused";
  // A replay is one call, never retried.
  const retryDelay =
    outcome.kind === "retry" && stillRunning && !timer.replay_of ? outcome.delay : null;
  const successful = outcome.kind === "success";
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
    successful,
    error: result.error ?? (successful ? null : `HTTP ${result.status_code}`),
    response: { headers: result.headers, body: result.body, truncated: result.truncated },
    final: retryDelay === null,
  };
  const response = { status_code: result.status_code, body: parseBody(result.body) };

  runtime.timers = runtime.timers.filter((t) => t.execution_id !== timer.execution_id);
  progress.last_run_at = result.started_at;
  if (retryDelay !== null) {
    insertTimer(runtime.timers, { ...timer, attempt: timer.attempt + 1, due_at: now + retryDelay });
  } else {
    progress.executions.total += 1;
    if (successful) progress.executions.succeeded += 1;
    else progress.executions.failed += 1;
    progress.last_response = response;
    progress.last_error = successful ? null : record.error;
  }
  if (outcome.kind === "gone" && stillRunning) {
    failTask(runtime, "the target answered 410 Gone", now);
  } else if (record.final && !successful && def.schedule.kind === "once" && !timer.manual) {
    if (stillRunning) failTask(runtime, `the execution failed: ${record.error}`, now);
  }
  completeIfDone(runtime, now);
  return { record, response, retrying: retryDelay !== null };
}
