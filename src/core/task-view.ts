import { gridPointsFrom, type ScheduleSpec } from "./schedule";
import type { TaskDefinition } from "./task-definition";

export const TASK_STATES = ["active", "paused", "completed", "cancelled", "failed"] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** The polling vocabulary of the task-status document. */
export const TASK_STATUSES = ["running", "completed", "error"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** States that fire no more and cannot be resumed. */
export const FINISHED_STATES: ReadonlySet<TaskState> = new Set([
  "completed",
  "cancelled",
  "failed",
]);

/** The states a polling status stands for. */
export const STATES_BY_STATUS: Record<TaskStatus, TaskState[]> = {
  running: ["active", "paused"],
  completed: ["completed", "cancelled"],
  error: ["failed"],
};

/** Who paused a task: its user (an API call) or the failure policy (`pause_after_failures`). */
export const PAUSE_REASONS = ["user", "failures"] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export interface LastResponse {
  status_code: number | null;
  body: unknown;
}

/** What a task has done so far, as its TaskObject reports it. */
export interface TaskProgress {
  state: TaskState;
  next_run_at: number | null;
  last_run_at: number | null;
  executions: { total: number; succeeded: number; failed: number };
  /** Calls counted against `occurrences` (manual runs are not). */
  occurrences_used: number;
  last_response: LastResponse | null;
  last_error: string | null;
  /** Why the task stopped, when the system stopped it. */
  reason: string | null;
  /** Occurrences in a row whose final attempt failed (absent on tasks stored before it). */
  consecutive_failures?: number;
  /**
   * The last occurrence failed: the next success is a recovery, even after a resume cleared
   * `consecutive_failures`.
   */
  failing?: boolean;
  /** Who paused the task, while it is paused (absent on tasks stored before it). */
  paused_reason?: PauseReason | null;
  /** When the task reached a finished state (completed, cancelled, failed). */
  finished_at: number | null;
  /** Grows with every change; the index keeps only the newest. */
  version: number;
}

/** A task as stored in the index and returned by its object. */
export interface TaskSnapshot {
  definition: TaskDefinition;
  progress: TaskProgress;
}

/** The schedule as the API shows it. */
export type ScheduleView = Record<string, string | number>;

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** The wire form of a schedule, as a create body would state it. */
export function scheduleView(spec: ScheduleSpec): ScheduleView {
  if (spec.kind === "once") return { at: new Date(spec.at).toISOString() };
  const view: ScheduleView =
    spec.kind === "every" ? { every: spec.every } : { cron: spec.cron, timezone: spec.timezone };
  if (spec.begins !== undefined) view.begins = new Date(spec.begins).toISOString();
  if (spec.expires !== undefined) view.expires = new Date(spec.expires).toISOString();
  if (spec.occurrences !== undefined) view.occurrences = spec.occurrences;
  view.misfire = spec.misfire;
  if (spec.catchupWindow !== undefined) view.catchup_window = spec.catchupWindow;
  return view;
}

/** The polling status a state stands for. */
export function statusOf(state: TaskState): TaskStatus {
  if (state === "failed") return "error";
  return state === "completed" || state === "cancelled" ? "completed" : "running";
}

/** Progress 0–100: by calls made for finite schedules, by elapsed time when only `expires` bounds it. */
export function progressOf(snapshot: TaskSnapshot, now: number): number {
  const { schedule } = snapshot.definition;
  const { progress } = snapshot;
  if (progress.state === "completed") return 100;
  // Manual runs are outside the schedule, so they do not count towards its one call.
  if (schedule.kind === "once") return progress.occurrences_used > 0 ? 100 : 0;
  if (schedule.occurrences !== undefined) {
    return Math.min(100, Math.floor((progress.occurrences_used * 100) / schedule.occurrences));
  }
  if (schedule.expires !== undefined) {
    const start = schedule.begins ?? snapshot.definition.created_at;
    const span = schedule.expires - start;
    if (span <= 0) return 0;
    return Math.max(0, Math.min(100, Math.floor(((now - start) * 100) / span)));
  }
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** One human sentence about where the task stands. */
export function messageOf(snapshot: TaskSnapshot): string {
  const { progress, definition } = snapshot;
  const done = progress.executions.total;
  const counts =
    definition.schedule.kind !== "once" && definition.schedule.occurrences !== undefined
      ? `${progress.occurrences_used} of ${plural(definition.schedule.occurrences, "execution")} done`
      : `${plural(done, "execution")} done`;
  const failures = progress.executions.failed > 0 ? `, ${progress.executions.failed} failed` : "";
  switch (progress.state) {
    case "active":
      return progress.next_run_at === null
        ? `${counts}${failures}; finishing`
        : `${counts}${failures}; next at ${iso(progress.next_run_at)}`;
    case "paused":
      return progress.paused_reason === "failures"
        ? `Paused after ${plural(progress.consecutive_failures ?? 0, "failed execution")} in a row; ${counts}${failures}`
        : `Paused; ${counts}${failures}`;
    case "completed":
      return `Completed; ${counts}${failures}`;
    case "cancelled":
      return `Cancelled; ${counts}${failures}`;
    case "failed":
      return `Failed: ${progress.reason ?? progress.last_error ?? "the last execution failed"}`;
  }
}

/** How many planned grid points a task view lists. */
export const UPCOMING_RUNS = 5;

/**
 * An active task's next planned grid points, from its pending one on, within what its
 * `occurrences` leave; none for a paused or finished task.
 */
export function upcomingRuns(snapshot: TaskSnapshot): number[] {
  const { definition: d, progress: p } = snapshot;
  if (p.state !== "active" || p.next_run_at === null) return [];
  const limit = d.schedule.kind === "once" ? 1 : d.schedule.occurrences;
  const remaining = limit === undefined ? undefined : limit - p.occurrences_used;
  return gridPointsFrom(d.schedule, p.next_run_at, UPCOMING_RUNS, remaining);
}

/** The payload of GET /api/v1/tasks/{id}: the task-status document's five fields first. */
export function taskView(snapshot: TaskSnapshot, now: number) {
  const { definition: d, progress: p } = snapshot;
  const status = statusOf(p.state);
  return {
    id: d.id,
    status,
    progress: progressOf(snapshot, now),
    message: messageOf(snapshot),
    data:
      status === "running" ? null : { executions: p.executions, last_response: p.last_response },
    state: p.state,
    name: d.name,
    labels: d.labels ?? {},
    url: d.url,
    method: d.method,
    headers: d.headers,
    query: d.query,
    body: d.body === undefined ? null : d.body,
    schedule: scheduleView(d.schedule),
    retry: d.retry,
    timeout: d.timeout,
    callback_url: d.callback_url,
    events_url: d.events_url,
    idempotency_key: d.idempotency_key,
    pause_after_failures: d.pause_after_failures ?? null,
    consecutive_failures: p.consecutive_failures ?? 0,
    paused_reason: p.state === "paused" ? (p.paused_reason ?? "user") : null,
    next_run_at: iso(p.next_run_at),
    upcoming: upcomingRuns(snapshot).map((t) => new Date(t).toISOString()),
    last_run_at: iso(p.last_run_at),
    executions: p.executions,
    created_at: new Date(d.created_at).toISOString(),
    updated_at: new Date(d.updated_at).toISOString(),
  };
}
export type TaskView = ReturnType<typeof taskView>;
