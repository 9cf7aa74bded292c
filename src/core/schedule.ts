import { type DayMatch, nextCronRun, previousCronRun } from "./cron";

/** What happens to grid points that passed while the task could not fire. */
export type Misfire = "run_once" | "skip" | "run_all";

/** What an interval and a cron schedule both have beside their grid. */
interface Repeating {
  /** Grid points after this do not exist. */
  expires?: number;
  /** Calls to make in all; counted by the caller, not applied here. */
  occurrences?: number;
  /** How late a grid point may be and still fire on its grid; older ones are misfires. */
  catchupWindow?: number;
  misfire: Misfire;
}

/** Normalised schedule of a task; all times epoch ms. */
export type ScheduleSpec =
  | {
      kind: "once";
      /** The single grid point. */
      at: number;
    }
  | (Repeating & {
      kind: "every";
      /** Interval between grid points, ms (> 0). */
      every: number;
      /** Anchor when `begins` is absent: the grid is createdAt + k·every, k ≥ 1. */
      createdAt: number;
      /** Anchor and first grid point: the grid is begins + k·every, k ≥ 0. */
      begins?: number;
    })
  | (Repeating & {
      kind: "cron";
      cron: string;
      /** IANA zone the pattern's wall times are read in. */
      timezone: string;
      dayMatch: DayMatch;
      /** Without `begins`, the first grid point is the first match strictly after this. */
      createdAt: number;
      /** The first grid point is the first match at or after this. */
      begins?: number;
    });

type EverySpec = Extract<ScheduleSpec, { kind: "every" }>;
type CronSpec = Extract<ScheduleSpec, { kind: "cron" }>;

/** How late a grid point may be and still fire on its grid, unless the task says otherwise. */
export const DEFAULT_CATCHUP_WINDOW_MS = 60_000;
/** The longest catch-up window a task may ask for. */
export const MAX_CATCHUP_WINDOW_MS = 7 * 86_400_000;
/** The most catch-up calls run_all makes for one misfire. */
export const RUN_ALL_CAP = 100;
/**
 * How many missed cron points planDue counts one by one; past this, `dropped` is a lower bound.
 * Cron points have no closed form, and an outage of days under a per-second pattern must not
 * stall the alarm. Interval schedules are always counted exactly.
 */
export const CRON_COUNT_CAP = 10_000;

function withinExpiry(spec: EverySpec | CronSpec, point: number | null): number | null {
  return point !== null && (spec.expires === undefined || point <= spec.expires) ? point : null;
}

// The grid is anchor + k·every for k ≥ firstIndex; indices come from division, never from
// stepping, so a point years away costs the same as the next one and nothing drifts.
function everyGrid(spec: EverySpec): { anchor: number; firstIndex: number } {
  if (!(spec.every > 0)) throw new RangeError(`interval must be positive, got ${spec.every}`);
  return spec.begins === undefined
    ? { anchor: spec.createdAt, firstIndex: 1 }
    : { anchor: spec.begins, firstIndex: 0 };
}

/** Index of the first grid point strictly after `after`. */
function everyIndexAfter(spec: EverySpec, after: number): number {
  const { anchor, firstIndex } = everyGrid(spec);
  return Math.max(firstIndex, Math.floor((after - anchor) / spec.every) + 1);
}

/** Index of the last existing grid point at or before `atOrBefore` (may be below the first). */
function everyIndexAtOrBefore(spec: EverySpec, atOrBefore: number): number {
  const bound = spec.expires === undefined ? atOrBefore : Math.min(atOrBefore, spec.expires);
  return Math.floor((bound - everyGrid(spec).anchor) / spec.every);
}

function everyPoint(spec: EverySpec, index: number): number {
  return everyGrid(spec).anchor + index * spec.every;
}

function cronAfter(spec: CronSpec, after: number): number | null {
  return withinExpiry(spec, nextCronRun(spec.cron, spec.timezone, spec.dayMatch, after));
}

/** The latest cron grid point at or before `atOrBefore`, or null when there is none. */
function cronAtOrBefore(spec: CronSpec, atOrBefore: number): number | null {
  const bound = spec.expires === undefined ? atOrBefore : Math.min(atOrBefore, spec.expires);
  const point = previousCronRun(spec.cron, spec.timezone, spec.dayMatch, bound);
  const floor = spec.begins === undefined ? spec.createdAt + 1 : spec.begins;
  return point !== null && point >= floor ? point : null;
}

/** The first grid point of the schedule, or null when it has none. */
export function firstGridPoint(spec: ScheduleSpec): number | null {
  switch (spec.kind) {
    case "once":
      return spec.at;
    case "every":
      return withinExpiry(spec, everyPoint(spec, everyGrid(spec).firstIndex));
    case "cron":
      // A match exactly at `begins` counts; epoch ms are integers, so "after begins − 1" is it.
      return cronAfter(spec, spec.begins === undefined ? spec.createdAt : spec.begins - 1);
  }
}

/** The first grid point strictly after `after`, or null when the schedule has no more. */
export function nextGridPoint(spec: ScheduleSpec, after: number): number | null {
  switch (spec.kind) {
    case "once":
      return spec.at > after ? spec.at : null;
    case "every":
      return withinExpiry(spec, everyPoint(spec, everyIndexAfter(spec, after)));
    case "cron": {
      const floor = spec.begins === undefined ? spec.createdAt : spec.begins - 1;
      return cronAfter(spec, Math.max(after, floor));
    }
  }
}

/**
 * The grid points a task serves from `first` on, one after another as it moves to each next
 * point (`nextGridPoint`): at most `count`, and no more than the `remaining` calls its
 * `occurrences` allow (unbounded when undefined).
 */
export function gridPointsFrom(
  spec: ScheduleSpec,
  first: number | null,
  count: number,
  remaining?: number,
): number[] {
  const limit = Math.max(0, Math.min(count, remaining ?? count));
  const points: number[] = [];
  for (let point = first; point !== null && points.length < limit; ) {
    points.push(point);
    point = nextGridPoint(spec, point);
  }
  return points;
}

/** What to do when a grid point comes due. */
export interface DuePlan {
  /** Grid points to fire now, oldest first. */
  fire: number[];
  /** The next pending grid point after this plan, or null when none. */
  next: number | null;
  /** Grid points dropped by the misfire policy (for cron, a lower bound past CRON_COUNT_CAP). */
  dropped: number;
}

/** The grid points in [due, before): how many, and the last ones. */
interface Backlog {
  count: number;
  latest: number;
  /** The last `limit` points of the backlog, oldest first. */
  recent(limit: number): number[];
}

function everyBacklog(spec: EverySpec, due: number, before: number): Backlog {
  const first = everyIndexAfter(spec, due);
  const last = everyIndexAtOrBefore(spec, before - 1);
  const after = Math.max(0, last - first + 1);
  return {
    count: 1 + after,
    latest: after > 0 ? everyPoint(spec, last) : due,
    recent(limit) {
      const fromAfter = Math.min(after, limit);
      const points: number[] = [];
      if (fromAfter < limit) points.push(due);
      for (let index = last - fromAfter + 1; index <= last; index++) {
        points.push(everyPoint(spec, index));
      }
      return points;
    },
  };
}

// Counting walks forward from `due` (capped); the latest point and run_all's tail walk back
// from the window's edge, so run_once and run_all fire the right points however long the
// outage was.
function cronBacklog(spec: CronSpec, due: number, before: number): Backlog {
  let count = 1;
  let point: number | null = due;
  let latest = due;
  while (count < CRON_COUNT_CAP) {
    point = cronAfter(spec, point);
    if (point === null || point >= before) break;
    latest = point;
    count++;
  }
  if (count === CRON_COUNT_CAP) latest = cronAtOrBefore(spec, before - 1) ?? latest;
  return {
    count,
    latest,
    recent(limit) {
      const points: number[] = [];
      let cursor: number | null = latest;
      while (cursor !== null && cursor > due && points.length < limit) {
        points.push(cursor);
        cursor = cronAtOrBefore(spec, cursor - 1);
      }
      if (points.length < limit) points.push(due);
      return points.reverse();
    },
  };
}

/** The catch-up window of a schedule (docs/schedules-and-delivery.md). */
export function catchupWindowOf(spec: ScheduleSpec): number {
  return spec.kind === "once"
    ? Number.POSITIVE_INFINITY
    : (spec.catchupWindow ?? DEFAULT_CATCHUP_WINDOW_MS);
}

/**
 * What to fire when grid point `due` (≤ now) is reached at `now`. A point late by no more than
 * the catch-up window is merely late: it fires on its grid point, whatever the policy, and the
 * next pending point is the one right after it — so an overloaded task serves its backlog in
 * order and never drops or shifts a call. Points older than the window are misfires, handled
 * by the misfire policy, as are points from before the schedule was set (a `begins` in the
 * past); the plan then continues with the first point inside the window.
 */
export function planDue(spec: ScheduleSpec, due: number, now: number): DuePlan {
  // Never fire early: a point that is not due yet stays pending.
  if (due > now) return { fire: [], next: due, dropped: 0 };
  // A one-off has nothing to catch up on or skip to: late or not, its one call is made.
  if (spec.kind === "once") return { fire: [spec.at], next: null, dropped: 0 };
  // Points from before the schedule was set were never the task's to serve late: for a task
  // created with `begins` in the past they are misfires, whatever the window.
  const windowStart = Math.max(now - catchupWindowOf(spec), spec.createdAt);
  if (due >= windowStart) return { fire: [due], next: nextGridPoint(spec, due), dropped: 0 };
  const missed =
    spec.kind === "every"
      ? everyBacklog(spec, due, windowStart)
      : cronBacklog(spec, due, windowStart);
  // The first point inside the window (or, when none has passed yet, the next one to come).
  const next = nextGridPoint(spec, missed.latest);
  switch (spec.misfire) {
    case "run_once":
      return { fire: [missed.latest], next, dropped: missed.count - 1 };
    case "skip":
      // Like Quartz's "do nothing": no catch-up for the missed points.
      return { fire: [], next, dropped: missed.count };
    case "run_all": {
      const fire = missed.recent(RUN_ALL_CAP);
      return { fire, next, dropped: missed.count - fire.length };
    }
  }
}
