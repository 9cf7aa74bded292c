import { Cron } from "croner";

/** How day-of-month and day-of-week combine when both are restricted ("or" is classic cron). */
export type DayMatch = "or" | "and";

// Time zones and DST are croner's (docs/schedules-and-delivery.md#time-zones-and-dst): it maps
// wall times to instants in real time, as Vixie cron does. A fixed-time job fires once when its
// wall time happens twice and right after the gap when it does not exist; any other job fires
// at every real instant that matches, so it keeps running through a repeated hour (a gap has no
// real instants to miss). Which jobs are fixed-time is chosen here per pattern (`fixedTimeRule`).

const CACHE_LIMIT = 1000;
const NICKNAMES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"]);
const MODES = { 5: "5-part", 6: "6-part", 7: "7-part" } as const;
/** Zones without DST or offset: croner's fixed-offset mode serves them ten times faster. */
const ZERO_OFFSET_ZONES = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT"]);
const SINGLE_VALUE = /^\d+$/;

// Parsing a pattern costs far more than asking it for the next run, and nextCronRun sits on the
// alarm path.
const parsedPatterns = new Map<string, Cron | string>();
const knownZones = new Map<string, boolean>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function parsePattern(pattern: string, timezone: string, dayMatch: DayMatch): Cron | string {
  const key = `${dayMatch}|${timezone}|${pattern}`;
  const cached = parsedPatterns.get(key);
  if (cached !== undefined) return cached;
  return remember(parsedPatterns, key, buildPattern(pattern.trim(), timezone, dayMatch));
}

/**
 * A fixed-time job names one second and one minute, and hours without a wildcard or step
 * (`30 2 * * *`, `0 30 9,17 * * 1-5`); every other pattern repeats within the hour or runs
 * every hour. Croner's "no-wildcard" rule makes the former fixed-time, and its "single-value"
 * rule makes any pattern with more than one second or minute an interval job; so the rule is
 * chosen by the second and minute fields, and croner reads the hours.
 */
function fixedTimeRule(fields: string[], mode: (typeof MODES)[keyof typeof MODES]) {
  const [second, minute] = mode === "5-part" ? ["0", fields[0]] : [fields[0], fields[1]];
  const single = SINGLE_VALUE.test(second ?? "") && SINGLE_VALUE.test(minute ?? "");
  return single ? "no-wildcard" : "single-value";
}

function buildPattern(pattern: string, timezone: string, dayMatch: DayMatch): Cron | string {
  // Croner reads a string with a colon as a one-off ISO date, not as a pattern.
  if (pattern.includes(":")) return "a cron pattern cannot contain ':'";
  let mode: (typeof MODES)[keyof typeof MODES];
  let fields: string[];
  if (pattern.startsWith("@")) {
    if (!NICKNAMES.has(pattern.toLowerCase())) {
      return `unknown nickname '${pattern}' (use one of ${[...NICKNAMES].join(", ")})`;
    }
    mode = MODES[5];
    // Every nickname fires at minute 0; @hourly's wildcard hour makes it an interval job.
    fields = ["0"];
  } else {
    fields = pattern.split(/\s+/).filter((field) => field !== "");
    const count = fields.length;
    if (count !== 5 && count !== 6 && count !== 7) {
      return `expected 5, 6 or 7 fields (or a nickname such as @daily), got ${count}`;
    }
    mode = MODES[count];
  }
  try {
    return new Cron(pattern, {
      ...(ZERO_OFFSET_ZONES.has(timezone) ? { utcOffset: 0 } : { timezone }),
      paused: true,
      mode,
      domAndDow: dayMatch === "and",
      fixedTimeRule: fixedTimeRule(fields, mode),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.replace(/^CronPattern:\s*/, "");
  }
}

function requirePattern(pattern: string, timezone: string, dayMatch: DayMatch): Cron {
  const parsed = parsePattern(pattern, timezone, dayMatch);
  // Callers validate with cronError first, so reaching this is a bug, not a user mistake.
  if (typeof parsed === "string") throw new Error(`invalid cron pattern '${pattern}': ${parsed}`);
  return parsed;
}

/** Parse a cron pattern; returns an error message (string) or null when valid. */
export function cronError(pattern: string, timezone: string, dayMatch: DayMatch): string | null {
  if (!isValidTimeZone(timezone)) return `unknown time zone '${timezone}'`;
  const parsed = parsePattern(pattern, timezone, dayMatch);
  return typeof parsed === "string" ? parsed : null;
}

/** True when `timezone` is a valid IANA zone name (e.g. via Intl.DateTimeFormat). */
export function isValidTimeZone(timezone: string): boolean {
  if (timezone === "") return false;
  const known = knownZones.get(timezone);
  if (known !== undefined) return known;
  let valid = true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    valid = false;
  }
  return remember(knownZones, timezone, valid);
}

/** Next run strictly after `after` (epoch ms), or null when the pattern never matches again. */
export function nextCronRun(
  pattern: string,
  timezone: string,
  dayMatch: DayMatch,
  after: number,
): number | null {
  const next = requirePattern(pattern, timezone, dayMatch).nextRun(new Date(after));
  return next === null ? null : next.getTime();
}

/** Latest run at or before `atOrBefore` (epoch ms), or null when there is none. */
export function previousCronRun(
  pattern: string,
  timezone: string,
  dayMatch: DayMatch,
  atOrBefore: number,
): number | null {
  // Croner's previousRuns is strictly before its reference, and runs fall on whole seconds.
  const cron = requirePattern(pattern, timezone, dayMatch);
  const previous = cron.previousRuns(1, new Date(atOrBefore + 1))[0];
  return previous === undefined ? null : previous.getTime();
}

/**
 * The most runs a pattern makes within one minute: how many seconds of a minute it matches
 * (1 for a pattern without a seconds field). Every matching minute matches the same seconds,
 * so the first one tells. Counted in wall time; a repeated hour does not double it.
 */
export function cronRunsPerMinute(pattern: string, dayMatch: DayMatch, from: number): number {
  const cron = requirePattern(pattern, "UTC", dayMatch);
  const first = cron.nextRun(new Date(from));
  if (first === null) return 0;
  const minuteStart = Math.floor(first.getTime() / 60_000) * 60_000;
  let runs = 0;
  for (let at = cron.nextRun(new Date(minuteStart - 1)); at !== null; at = cron.nextRun(at)) {
    if (at.getTime() >= minuteStart + 60_000 || runs >= 60) break;
    runs += 1;
  }
  return runs;
}
