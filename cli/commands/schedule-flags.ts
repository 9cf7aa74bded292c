import type { CreateTaskRequest } from "../client";
import { CliError } from "../output";

type ScheduleRequest = CreateTaskRequest["schedule"];
type Misfire = NonNullable<ScheduleRequest["misfire"]>;

/** The schedule flags of `tasks create`, `tasks update` and `schedules preview`. */
export interface ScheduleFlags {
  at?: string;
  delay?: string;
  every?: string;
  cron?: string;
  timezone?: string;
  begins?: string;
  expires?: string;
  occurrences?: number;
  misfire?: Misfire;
}

const NUMBER = /^\d+(\.\d+)?$/;

/** A bare number means milliseconds (durations) or unix seconds (instants), as in the API. */
export function numberOrText(value: string): string | number {
  return NUMBER.test(value) ? Number(value) : value;
}

const SCHEDULE_FORMS = ["at", "delay", "every", "cron"] as const;
const SCHEDULE_BOUNDS = ["timezone", "begins", "expires", "occurrences", "misfire"] as const;

/** The schedule the flags give, or undefined when they name none. */
export function scheduleFrom(flags: ScheduleFlags): ScheduleRequest | undefined {
  const forms = SCHEDULE_FORMS.filter((f) => flags[f] !== undefined);
  if (forms.length === 0) {
    if (SCHEDULE_BOUNDS.some((f) => flags[f] !== undefined)) {
      throw new CliError("a schedule needs one of --at, --delay, --every or --cron");
    }
    return undefined;
  }
  return {
    ...(flags.at !== undefined && { at: numberOrText(flags.at) }),
    ...(flags.delay !== undefined && { delay: numberOrText(flags.delay) }),
    ...(flags.every !== undefined && { every: numberOrText(flags.every) }),
    ...(flags.cron !== undefined && { cron: flags.cron }),
    ...(flags.timezone !== undefined && { timezone: flags.timezone }),
    ...(flags.begins !== undefined && { begins: numberOrText(flags.begins) }),
    ...(flags.expires !== undefined && { expires: numberOrText(flags.expires) }),
    ...(flags.occurrences !== undefined && { occurrences: flags.occurrences }),
    ...(flags.misfire !== undefined && { misfire: flags.misfire }),
  };
}
