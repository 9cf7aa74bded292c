import { type AlertDestination, alertsFor } from "./alerts";
import { extractState } from "./dynamic-fields";
import type { AttemptRecord } from "./history";
import { bumpVersion, countOccurrence } from "./lifecycle";
import { attemptFinished, type Notification } from "./notifications";
import type { TaskDefinition } from "./task-definition";
import { type AttemptResult, recordAttempt, type TaskRuntime } from "./task-runtime";
import type { Timer } from "./timers";

/** What a finished attempt changed, for the task's object to store, record and announce. */
export interface SettledAttempt {
  record: AttemptRecord;
  /** The task's state changed with it: the index learns of that at once. */
  stateChanged: boolean;
  /** The `$state` a successful answer set, or undefined for none. */
  jobState: unknown;
  /** Its events, its callback and the alerts it raised, in order. */
  notifications: Notification[];
}

/**
 * Settle a finished attempt in the task's runtime: record it, count its occurrence under the
 * failure policy, and bump the version. `sent` is the definition the call was built from,
 * whose event and callback URLs it announces to; it is recorded against `current`, since a
 * patch may have landed while it was in flight.
 */
export function settleAttempt(
  sent: TaskDefinition,
  current: TaskDefinition,
  runtime: TaskRuntime,
  timer: Timer,
  result: AttemptResult,
  alerts: AlertDestination | null,
  now: number,
): SettledAttempt {
  const stateBefore = runtime.progress.state;
  const recorded = recordAttempt(current, runtime, timer, result, now);
  const { record } = recorded;
  const outcome = countOccurrence(current, runtime, record);
  bumpVersion(runtime, now);
  const stateAfter = runtime.progress.state;
  return {
    record,
    stateChanged: stateAfter !== stateBefore,
    jobState: record.successful ? extractState(result.body) : undefined,
    notifications: [
      ...attemptFinished(sent, timer, result, recorded, now),
      ...alertsFor(current, { record, outcome, stateBefore, stateAfter }, alerts, now),
    ],
  };
}
