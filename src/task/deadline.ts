/** An AbortSignal that aborts with a TimeoutError once `ms` have passed, until cleared. */
export interface Deadline {
  signal: AbortSignal;
  /** Stop the timer: the work it bounded is done. */
  clear(): void;
}

/**
 * A deadline for one outgoing request. Unlike AbortSignal.timeout, whose timer runs its full
 * length whatever happens, this one is cleared as soon as the answer is read: at hundreds of
 * calls a second a 30 s timeout left running is thousands of pending timers, each firing into
 * its object long after the call ended (docs/performance.md).
 */
export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError")),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
