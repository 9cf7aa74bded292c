import { cronRunsPerMinute } from "./cron";
import type { ScheduleSpec } from "./schedule";

/**
 * How many calls per minute a schedule makes at its busiest: 60 000 / interval for `every`, the
 * seconds a cron pattern matches in a minute, 0 for a one-time task. Retries are not counted:
 * they follow failures, not the schedule. A project's calls-per-minute budget is the sum of this
 * over its active and paused tasks (docs/security.md).
 */
export function callsPerMinute(schedule: ScheduleSpec): number {
  switch (schedule.kind) {
    case "once":
      return 0;
    case "every":
      return 60_000 / schedule.every;
    case "cron":
      return cronRunsPerMinute(schedule.cron, schedule.dayMatch, schedule.createdAt);
  }
}
