/** One call a task still has to make: an occurrence's attempt, a retry, or a manual run. */
export interface Timer {
  /** The occurrence's id, the same on each of its retries (the `webhook-id`). */
  execution_id: string;
  number: number;
  attempt: number;
  scheduled_at: number;
  due_at: number;
  /** A `run` request: outside the schedule, served even while paused. */
  manual: boolean;
  /** A replay: the execution whose request it sends again, once, whatever the task's state. */
  replay_of?: string;
}

/** What the execution ids of one task incarnation start with. */
export function executionIdPrefix(taskId: string, createdAt: number): string {
  return `${taskId}-${createdAt.toString(36)}-`;
}

/**
 * The id of the occurrence serving grid point `scheduledAt` of the task's `generation`-th
 * schedule (0 until a patch replaces it). Derived from the grid point, not from a counter, so a
 * call planned again after a crash — whatever the misfire policy decides then — keeps the
 * `webhook-id` of the call it repeats, and no other grid point can ever get that id.
 */
export function scheduledExecutionId(
  taskId: string,
  createdAt: number,
  generation: number,
  scheduledAt: number,
): string {
  const point = scheduledAt.toString(36);
  return `${executionIdPrefix(taskId, createdAt)}${generation > 0 ? `${generation}.` : ""}${point}`;
}

/** The id of the `number`-th call of a task when it is a manual run. */
export function manualExecutionId(taskId: string, createdAt: number, number: number): string {
  return `${executionIdPrefix(taskId, createdAt)}r${number}`;
}

function before(a: Timer, b: Timer): boolean {
  return a.due_at < b.due_at || (a.due_at === b.due_at && a.number < b.number);
}

/** Insert a timer keeping the queue in serving order (due time, then execution number). */
export function insertTimer(timers: Timer[], timer: Timer): void {
  let i = timers.length;
  while (i > 0 && before(timer, timers[i - 1] as Timer)) i--;
  timers.splice(i, 0, timer);
}

/** The first timer due at `now` that may be served; only manual runs while not active. */
export function nextDueTimer(timers: readonly Timer[], now: number, active: boolean): Timer | null {
  for (const timer of timers) {
    if (timer.due_at > now) return null;
    if (active || timer.manual) return timer;
  }
  return null;
}

/** The earliest due time among timers that may be served. */
export function earliestTimer(timers: readonly Timer[], active: boolean): number | null {
  for (const timer of timers) if (active || timer.manual) return timer.due_at;
  return null;
}

/**
 * The alarm to set for these wake-up times (null where a source wants none): the earliest,
 * and never a time already past — an alarm set for "now" from inside alarm() may not fire.
 */
export function alarmTime(times: readonly (number | null)[], now: number): number | null {
  let at = Number.POSITIVE_INFINITY;
  for (const time of times) if (time !== null && time < at) at = time;
  return at === Number.POSITIVE_INFINITY ? null : Math.max(at, now + 1);
}
