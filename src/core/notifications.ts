import type { AttemptRecord } from "./history";
import type { TaskDefinition } from "./task-definition";
import type { AttemptResult } from "./task-runtime";
import type { LastResponse } from "./task-view";
import type { Timer } from "./timers";

// What a task tells its callback and events URLs about one attempt, and the log line it writes:
// built here, sent by the object's notifier (docs/schedules-and-delivery.md, "Callbacks and
// events").

/** The Booper event names sent to a task's `events_url`, in the order an occurrence has them. */
export const EVENT_TYPES = [
  "job.started",
  "job.request",
  "job.response",
  "job.error",
  "job.finished",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One signed POST to make: where, and what. */
export interface Notification {
  url: string;
  payload: unknown;
}

function event(
  def: TaskDefinition,
  timer: Timer,
  type: EventType,
  data: Record<string, unknown>,
  now: number,
): Notification[] {
  if (!def.events_url) return [];
  const payload = {
    type,
    task_id: def.id,
    execution_id: timer.execution_id,
    at: new Date(now).toISOString(),
    data: { execution: timer.number, attempt: timer.attempt, ...data },
  };
  return [{ url: def.events_url, payload }];
}

/** The events of an attempt about to be sent to `url`. */
export function attemptStarting(
  def: TaskDefinition,
  timer: Timer,
  url: string,
  now: number,
): Notification[] {
  const scheduledAt = new Date(timer.scheduled_at).toISOString();
  return [
    ...(timer.attempt === 1
      ? event(def, timer, "job.started", { scheduled_at: scheduledAt }, now)
      : []),
    ...event(def, timer, "job.request", { method: def.method, url }, now),
  ];
}

/** The events of a finished attempt and, after an occurrence's final attempt, its callback. */
export function attemptFinished(
  def: TaskDefinition,
  timer: Timer,
  result: AttemptResult,
  recorded: { record: AttemptRecord; response: LastResponse; retrying: boolean },
  now: number,
): Notification[] {
  const { record, response, retrying } = recorded;
  const out: Notification[] = [];
  if (result.status_code !== null) {
    const data = { status_code: result.status_code, duration_ms: result.duration_ms };
    out.push(...event(def, timer, "job.response", data, now));
  }
  if (!record.successful) {
    out.push(...event(def, timer, "job.error", { error: record.error, will_retry: retrying }, now));
  }
  if (!record.final) return out;
  const finished = { successful: record.successful, status_code: result.status_code };
  out.push(...event(def, timer, "job.finished", finished, now));
  if (def.callback_url) {
    out.push({
      url: def.callback_url,
      payload: {
        task_id: def.id,
        execution: {
          id: timer.execution_id,
          number: timer.number,
          attempts: timer.attempt,
          scheduled_at: new Date(timer.scheduled_at).toISOString(),
          successful: record.successful,
          error: record.error,
        },
        response: { ...response, headers: result.headers, truncated: result.truncated },
      },
    });
  }
  return out;
}

/** The structured log line of one attempt: ids, outcome and timing, nothing secret. */
export function attemptLogLine(def: TaskDefinition, record: AttemptRecord): string {
  return JSON.stringify({
    event: "attempt",
    task_id: def.id,
    project_id: def.project_id,
    execution: record.number,
    attempt: record.attempt,
    status_code: record.status_code,
    error: record.error,
    lateness_ms: record.lateness_ms,
    duration_ms: record.duration_ms,
  });
}

/** How long a callback or event is retried before it is given up. */
export const NOTIFICATION_TTL_MS = 24 * 3_600_000;

/**
 * When to try a callback or event again after its `tries`-th failure: 1 s doubling up to an
 * hour, never past 24 h after it was first queued (null: give up).
 */
export function notificationRetryAt(firstAt: number, tries: number, now: number): number | null {
  const at = now + Math.min(1_000 * 2 ** Math.max(0, tries - 1), 3_600_000);
  return at - firstAt > NOTIFICATION_TTL_MS ? null : at;
}
