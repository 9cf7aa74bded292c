import { Cron } from "croner";

/** How day-of-month and day-of-week combine when both are restricted ("or" is classic cron). */
export type DayMatch = "or" | "and";

// Croner runs in "wall clock" space only (utcOffset 0: a wall time is stored as if it were a UTC
// instant). The mapping from wall time to instant is done here, because croner 11 follows Vixie
// cron: it skips gap times and fires twice in a repeated hour for any pattern with a wildcard,
// step, list or range in its time fields, while docs/schedules-and-delivery.md promises one rule
// for every pattern. With `instantOf` below, a wall time in a gap fires once at the end of the
// gap, and a repeated wall time fires once, on its first occurrence.

const CACHE_LIMIT = 1000;
const DAY_MS = 86_400_000;
const NICKNAMES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"]);
const MODES = { 5: "5-part", 6: "6-part", 7: "7-part" } as const;
const ZERO_OFFSET_ZONES = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT"]);

// Parsing a pattern costs far more than asking it for the next run, and nextCronRun sits on the
// alarm path. The zone is not part of the key: the parsed pattern only ever sees wall times.
const parsedPatterns = new Map<string, Cron | string>();
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function parsePattern(pattern: string, dayMatch: DayMatch): Cron | string {
  const key = `${dayMatch}|${pattern}`;
  const cached = parsedPatterns.get(key);
  if (cached !== undefined) return cached;
  return remember(parsedPatterns, key, buildPattern(pattern.trim(), dayMatch));
}

function buildPattern(pattern: string, dayMatch: DayMatch): Cron | string {
  // Croner reads a string with a colon as a one-off ISO date, not as a pattern.
  if (pattern.includes(":")) return "a cron pattern cannot contain ':'";
  let mode: (typeof MODES)[keyof typeof MODES];
  if (pattern.startsWith("@")) {
    if (!NICKNAMES.has(pattern.toLowerCase())) {
      return `unknown nickname '${pattern}' (use one of ${[...NICKNAMES].join(", ")})`;
    }
    mode = MODES[5];
  } else {
    const fields = pattern.split(/\s+/).filter((field) => field !== "").length;
    if (fields !== 5 && fields !== 6 && fields !== 7) {
      return `expected 5, 6 or 7 fields (or a nickname such as @daily), got ${fields}`;
    }
    mode = MODES[fields];
  }
  try {
    return new Cron(pattern, { utcOffset: 0, paused: true, mode, domAndDow: dayMatch === "and" });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.replace(/^CronPattern:\s*/, "");
  }
}

function requirePattern(pattern: string, dayMatch: DayMatch): Cron {
  const parsed = parsePattern(pattern, dayMatch);
  // Callers validate with cronError first, so reaching this is a bug, not a user mistake.
  if (typeof parsed === "string") throw new Error(`invalid cron pattern '${pattern}': ${parsed}`);
  return parsed;
}

/** Parse a cron pattern; returns an error message (string) or null when valid. */
export function cronError(pattern: string, timezone: string, dayMatch: DayMatch): string | null {
  const parsed = parsePattern(pattern, dayMatch);
  if (typeof parsed === "string") return parsed;
  return isValidTimeZone(timezone) ? null : `unknown time zone '${timezone}'`;
}

/** True when `timezone` is a valid IANA zone name (e.g. via Intl.DateTimeFormat). */
export function isValidTimeZone(timezone: string): boolean {
  if (timezone === "") return false;
  try {
    zoneFormat(timezone);
    return true;
  } catch {
    return false;
  }
}

function zoneFormat(timezone: string): Intl.DateTimeFormat {
  const cached = zoneFormats.get(timezone);
  if (cached !== undefined) return cached;
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  return remember(zoneFormats, timezone, format);
}

function utcFields(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const time = Date.UTC(y, mo, d, h, mi, s);
  if (y >= 100) return time;
  // Date.UTC maps years 0-99 to 1900-1999; croner allows years from 1.
  const date = new Date(time);
  date.setUTCFullYear(y);
  return date.getTime();
}

/** Offset of `timezone` from UTC at instant `t`, in ms (positive east of Greenwich). */
function offsetAt(timezone: string, t: number): number {
  if (ZERO_OFFSET_ZONES.has(timezone)) return 0;
  const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of zoneFormat(timezone).formatToParts(t)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = fields;
  // Some engines print midnight as 24 even with hourCycle h23.
  const wall = utcFields(year, month - 1, day, hour % 24, minute, second);
  return wall - Math.floor(t / 1000) * 1000;
}

function wallAt(timezone: string, t: number): number {
  return t + offsetAt(timezone, t);
}

/** The first instant in (lo, hi] whose offset differs from the one at lo (one transition). */
function transitionAfter(timezone: string, lo: number, hi: number): number {
  const start = offsetAt(timezone, lo);
  let below = lo;
  let above = hi;
  while (above - below > 1) {
    const mid = Math.floor((below + above) / 2);
    if (offsetAt(timezone, mid) === start) below = mid;
    else above = mid;
  }
  return above;
}

/**
 * The instant a wall time fires at: its only occurrence, the first of two in a repeated hour,
 * or the end of the gap (the first instant after it) when the clocks skip it. This map never
 * goes backwards, which is what lets next/previous search in wall time.
 */
function instantOf(timezone: string, wall: number): number {
  // Zone offsets do not change twice within a day, so the offsets a day either side are the
  // only two this wall time can have.
  const earlyOffset = offsetAt(timezone, wall - DAY_MS);
  const lateOffset = offsetAt(timezone, wall + DAY_MS);
  const withEarly = wall - earlyOffset;
  if (earlyOffset === lateOffset) return withEarly;
  const earlyFits = offsetAt(timezone, withEarly) === earlyOffset;
  const withLate = wall - lateOffset;
  const lateFits = offsetAt(timezone, withLate) === lateOffset;
  if (earlyFits && lateFits) return Math.min(withEarly, withLate);
  if (earlyFits) return withEarly;
  if (lateFits) return withLate;
  return transitionAfter(timezone, Math.min(withEarly, withLate), Math.max(withEarly, withLate));
}

/**
 * When `t` lies in the second pass of a repeated hour, the wall time at which that hour ends;
 * every wall time before it already fired (on its first occurrence) at or before `t`.
 */
function repeatedHourEnd(timezone: string, t: number): number | null {
  const firstPass = instantOf(timezone, wallAt(timezone, t));
  if (firstPass >= t) return null;
  const transition = transitionAfter(timezone, firstPass, t);
  return transition + offsetAt(timezone, firstPass);
}

/** Next run strictly after `after` (epoch ms), or null when the pattern never matches again. */
export function nextCronRun(
  pattern: string,
  timezone: string,
  dayMatch: DayMatch,
  after: number,
): number | null {
  const cron = requirePattern(pattern, dayMatch);
  // Every wall time up to and including this one fired at or before `after`.
  const firedUpTo = (repeatedHourEnd(timezone, after) ?? wallAt(timezone, after) + 1) - 1;
  const wall = cron.nextRun(new Date(firedUpTo));
  return wall === null ? null : instantOf(timezone, wall.getTime());
}

/** Latest run at or before `atOrBefore` (epoch ms), or null when there is none. */
export function previousCronRun(
  pattern: string,
  timezone: string,
  dayMatch: DayMatch,
  atOrBefore: number,
): number | null {
  const cron = requirePattern(pattern, dayMatch);
  // Croner's previousRuns is strictly before its reference: pass the first wall time not fired.
  const notFired = repeatedHourEnd(timezone, atOrBefore) ?? wallAt(timezone, atOrBefore) + 1;
  const wall = cron.previousRuns(1, new Date(notFired))[0];
  return wall === undefined ? null : instantOf(timezone, wall.getTime());
}

/**
 * The most runs a pattern makes within one minute: how many seconds of a minute it matches
 * (1 for a pattern without a seconds field). Every matching minute matches the same seconds,
 * so the first one tells. Counted in wall time; a repeated hour does not double it.
 */
export function cronRunsPerMinute(pattern: string, dayMatch: DayMatch, from: number): number {
  const cron = requirePattern(pattern, dayMatch);
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
