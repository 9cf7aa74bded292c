import { planDue } from "./schedule";
import type { TaskDefinition } from "./task-definition";
import type { TaskProgress } from "./task-view";
import { scheduledExecutionId, type Timer } from "./timers";

/** What reaching the task's pending grid point does: new calls and the next grid point. */
export interface Promotion {
  timers: Timer[];
  lastNumber: number;
  occurrencesUsed: number;
  nextRunAt: number | null;
}

/**
 * Turn the due grid point of an active task into calls, applying the catch-up window, the
 * misfire policy and the occurrence count; null when nothing is due. A call's execution id comes
 * from its grid point, so one re-planned after a crash keeps its id.
 */
export function promoteDueOccurrences(
  def: TaskDefinition,
  progress: TaskProgress,
  lastNumber: number,
  generation: number,
  now: number,
): Promotion | null {
  if (progress.state !== "active" || progress.next_run_at === null) return null;
  if (progress.next_run_at > now) return null;
  const plan = planDue(def.schedule, progress.next_run_at, now);
  const limit = def.schedule.kind === "once" ? 1 : def.schedule.occurrences;
  const room = limit === undefined ? plan.fire.length : limit - progress.occurrences_used;
  const fire = plan.fire.slice(0, Math.max(0, room));
  let number = lastNumber;
  const timers = fire.map((at) => {
    number += 1;
    return {
      execution_id: scheduledExecutionId(def.id, def.created_at, generation, at),
      number,
      attempt: 1,
      scheduled_at: at,
      due_at: at,
      manual: false,
    };
  });
  const occurrencesUsed = progress.occurrences_used + fire.length;
  const exhausted = limit !== undefined && occurrencesUsed >= limit;
  return { timers, lastNumber: number, occurrencesUsed, nextRunAt: exhausted ? null : plan.next };
}
