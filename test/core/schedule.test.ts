import { describe, expect, it } from "vitest";
import {
  cronError,
  type DayMatch,
  isValidTimeZone,
  nextCronRun,
  previousCronRun,
} from "../../src/core/cron";
import {
  CRON_COUNT_CAP,
  DEFAULT_CATCHUP_WINDOW_MS,
  firstGridPoint,
  type Misfire,
  nextGridPoint,
  planDue,
  RUN_ALL_CAP,
  type ScheduleSpec,
} from "../../src/core/schedule";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The next `count` runs after `from`, as ISO strings. */
function runs(
  pattern: string,
  timezone: string,
  from: string,
  count: number,
  dayMatch: DayMatch = "or",
): (string | null)[] {
  const out: (string | null)[] = [];
  let cursor = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextCronRun(pattern, timezone, dayMatch, cursor);
    out.push(iso(next));
    if (next === null) break;
    cursor = next;
  }
  return out;
}

function every(
  fields: Partial<Extract<ScheduleSpec, { kind: "every" }>> & { every: number },
): ScheduleSpec {
  return { kind: "every", createdAt: at("2026-01-01T00:00:00Z"), misfire: "run_once", ...fields };
}

function cron(
  fields: Partial<Extract<ScheduleSpec, { kind: "cron" }>> & { cron: string },
): ScheduleSpec {
  return {
    kind: "cron",
    timezone: "UTC",
    dayMatch: "or",
    createdAt: at("2026-01-01T00:00:00Z"),
    misfire: "run_once",
    ...fields,
  };
}

describe("cron patterns", () => {
  it("reads 5 fields as minute-first and returns runs strictly after the reference", () => {
    expect(runs("*/15 * * * *", "UTC", "2026-05-04T10:07:00Z", 2)).toEqual([
      "2026-05-04T10:15:00.000Z",
      "2026-05-04T10:30:00.000Z",
    ]);
    expect(iso(nextCronRun("*/15 * * * *", "UTC", "or", at("2026-05-04T10:15:00Z")))).toBe(
      "2026-05-04T10:30:00.000Z",
    );
    expect(iso(nextCronRun("*/15 * * * *", "UTC", "or", at("2026-05-04T10:14:59.999Z")))).toBe(
      "2026-05-04T10:15:00.000Z",
    );
  });

  it("reads 6 fields as second-first", () => {
    expect(runs("*/20 * * * * *", "UTC", "2026-05-04T10:00:00Z", 3)).toEqual([
      "2026-05-04T10:00:20.000Z",
      "2026-05-04T10:00:40.000Z",
      "2026-05-04T10:01:00.000Z",
    ]);
    expect(runs("30 5 14 * * *", "UTC", "2026-05-04T00:00:00Z", 1)).toEqual([
      "2026-05-04T14:05:30.000Z",
    ]);
  });

  it("reads a 7th field as the year", () => {
    expect(runs("0 0 12 1 1 * 2030", "UTC", "2026-05-04T00:00:00Z", 2)).toEqual([
      "2030-01-01T12:00:00.000Z",
      null,
    ]);
    expect(nextCronRun("0 0 12 1 1 * 2020", "UTC", "or", at("2026-05-04T00:00:00Z"))).toBeNull();
    expect(runs("0 0 0 1 * * 2027-2028", "UTC", "2028-11-15T00:00:00Z", 2)).toEqual([
      "2028-12-01T00:00:00.000Z",
      null,
    ]);
  });

  it("accepts the nicknames", () => {
    const from = "2026-05-06T10:30:00Z"; // a Wednesday
    expect(runs("@hourly", "UTC", from, 1)).toEqual(["2026-05-06T11:00:00.000Z"]);
    expect(runs("@daily", "UTC", from, 1)).toEqual(["2026-05-07T00:00:00.000Z"]);
    expect(runs("@weekly", "UTC", from, 1)).toEqual(["2026-05-10T00:00:00.000Z"]);
    expect(runs("@monthly", "UTC", from, 1)).toEqual(["2026-06-01T00:00:00.000Z"]);
    expect(runs("@yearly", "UTC", from, 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(runs("@annually", "UTC", from, 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
  });

  it("reads wall times in the given zone, following its offset through the year", () => {
    expect(runs("0 9 * * *", "America/New_York", "2026-01-10T00:00:00Z", 1)).toEqual([
      "2026-01-10T14:00:00.000Z",
    ]);
    expect(runs("0 9 * * *", "America/New_York", "2026-07-10T00:00:00Z", 1)).toEqual([
      "2026-07-10T13:00:00.000Z",
    ]);
    expect(runs("0 9 * * *", "Asia/Kolkata", "2026-07-10T00:00:00Z", 1)).toEqual([
      "2026-07-10T03:30:00.000Z",
    ]);
  });

  it("combines day-of-month and day-of-week with OR or AND", () => {
    // 2017-01-27 is a Friday; under OR every Friday in January matches too.
    expect(runs("37 22 27 1 5", "UTC", "2017-01-01T00:00:00Z", 5, "or")).toEqual([
      "2017-01-06T22:37:00.000Z",
      "2017-01-13T22:37:00.000Z",
      "2017-01-20T22:37:00.000Z",
      "2017-01-27T22:37:00.000Z",
      "2018-01-05T22:37:00.000Z",
    ]);
    expect(runs("37 22 27 1 5", "UTC", "2017-01-01T00:00:00Z", 2, "and")).toEqual([
      "2017-01-27T22:37:00.000Z",
      "2023-01-27T22:37:00.000Z",
    ]);
    expect(runs("0 37 22 27 1 5 2017", "UTC", "2016-06-01T00:00:00Z", 2, "and")).toEqual([
      "2017-01-27T22:37:00.000Z",
      null,
    ]);
  });

  it("finds the latest run at or before a time, the inverse of nextCronRun", () => {
    expect(iso(previousCronRun("*/15 * * * *", "UTC", "or", at("2026-05-04T10:15:00Z")))).toBe(
      "2026-05-04T10:15:00.000Z",
    );
    expect(iso(previousCronRun("*/15 * * * *", "UTC", "or", at("2026-05-04T10:14:59Z")))).toBe(
      "2026-05-04T10:00:00.000Z",
    );
    expect(previousCronRun("0 0 12 1 1 * 2030", "UTC", "or", at("2029-06-01T00:00:00Z"))).toBe(
      null,
    );
    // Walking back over both Berlin transitions gives the forward runs in reverse.
    for (const pattern of ["*/20 * * * *", "30 2 * * *", "0 30 1,2 * * *", "15 * * * *"]) {
      for (const from of ["2026-03-28T20:00:00Z", "2026-10-24T20:00:00Z"]) {
        const forward = runs(pattern, "Europe/Berlin", from, 40).map((run) => at(run ?? ""));
        for (let i = 1; i < forward.length; i++) {
          const current = forward[i] ?? 0;
          expect(forward[i - 1]).toBeLessThan(current);
          const back = previousCronRun(pattern, "Europe/Berlin", "or", current - 1);
          expect(iso(back)).toBe(iso(forward[i - 1] ?? 0));
        }
      }
    }
  });
});

/** Every run in [from, until), as ISO strings. */
function runsUntil(pattern: string, timezone: string, from: string, until: string): string[] {
  const out: string[] = [];
  for (let t = nextCronRun(pattern, timezone, "or", at(from) - 1); t !== null && t < at(until); ) {
    out.push(iso(t) ?? "");
    t = nextCronRun(pattern, timezone, "or", t);
  }
  return out;
}

describe("cron across daylight-saving changes", () => {
  it("fires a fixed wall time skipped by the spring gap once, right after the gap (Berlin)", () => {
    // 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00Z); 02:30 does not exist that day.
    expect(runs("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3)).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
    // Each hour of a list is a fixed wall time too: 02:30 fires at the end of the gap.
    expect(runs("0 30 1,2 * * *", "Europe/Berlin", "2026-03-28T23:45:00Z", 3)).toEqual([
      "2026-03-29T00:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T23:30:00.000Z",
    ]);
  });

  it("keeps a repeating pattern's real-time rhythm across the spring gap (Berlin)", () => {
    // The gap has no real instants: 01:40 CET is followed 20 minutes later by 03:00 CEST.
    expect(runs("*/20 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", 3)).toEqual([
      "2026-03-29T00:40:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:20:00.000Z",
    ]);
    // Hourly at :30: 01:30 CET, then 03:30 CEST, one real hour later.
    expect(runs("30 * * * *", "Europe/Berlin", "2026-03-28T23:45:00Z", 3)).toEqual([
      "2026-03-29T00:30:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-29T02:30:00.000Z",
    ]);
    const fiveMinutes = runsUntil(
      "*/5 * * * *",
      "Europe/Berlin",
      "2026-03-29T00:00:00Z",
      "2026-03-29T03:00:00Z",
    );
    expect(fiveMinutes).toHaveLength(36);
    const steps = fiveMinutes.slice(1).map((t, i) => at(t) - at(fiveMinutes[i] ?? ""));
    expect(new Set(steps)).toEqual(new Set([5 * MINUTE]));
  });

  it("fires a fixed wall time repeated by the autumn overlap once, on its first pass (Berlin)", () => {
    // 2026-10-25 03:00 CEST falls back to 02:00 CET (01:00Z); 02:00-02:59 happens twice.
    expect(runs("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
    expect(runs("0 30 2,14 * * *", "Europe/Berlin", "2026-10-24T23:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T13:30:00.000Z",
    ]);
  });

  it("keeps firing a repeating pattern through the repeated hour (Berlin)", () => {
    expect(runs("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:45:00Z", 5)).toEqual([
      "2026-10-25T00:00:00.000Z", // 02:00 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T01:00:00.000Z", // 02:00 CET
      "2026-10-25T01:30:00.000Z", // 02:30 CET
      "2026-10-25T02:00:00.000Z", // 03:00 CET
    ]);
    // Every five minutes, never silent: 36 runs in the three real hours around the change.
    const fiveMinutes = runsUntil(
      "*/5 * * * *",
      "Europe/Berlin",
      "2026-10-24T23:00:00Z",
      "2026-10-25T02:00:00Z",
    );
    expect(fiveMinutes).toHaveLength(36);
    const steps = fiveMinutes.slice(1).map((t, i) => at(t) - at(fiveMinutes[i] ?? ""));
    expect(new Set(steps)).toEqual(new Set([5 * MINUTE]));
    // Hourly at :30 and at :00 and :30: each real hour has its runs.
    expect(
      runsUntil("30 * * * *", "Europe/Berlin", "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z"),
    ).toEqual([
      "2026-10-24T23:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:30:00.000Z",
    ]);
    // Asked from inside the second pass, the next run is the second pass's own.
    expect(runs("*/30 * * * *", "Europe/Berlin", "2026-10-25T01:10:00Z", 1)).toEqual([
      "2026-10-25T01:30:00.000Z",
    ]);
    expect(
      iso(previousCronRun("*/30 * * * *", "Europe/Berlin", "or", at("2026-10-25T01:45Z"))),
    ).toBe("2026-10-25T01:30:00.000Z");
    expect(
      iso(previousCronRun("*/30 * * * *", "Europe/Berlin", "or", at("2026-10-25T00:59:59Z"))),
    ).toBe("2026-10-25T00:30:00.000Z");
  });

  it("follows the same rules in New York", () => {
    // 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00Z).
    expect(runs("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
    expect(runs("*/15 * * * *", "America/New_York", "2026-03-08T06:40:00Z", 3)).toEqual([
      "2026-03-08T06:45:00.000Z", // 01:45 EST
      "2026-03-08T07:00:00.000Z", // 03:00 EDT
      "2026-03-08T07:15:00.000Z",
    ]);
    // 2026-11-01 02:00 EDT falls back to 01:00 EST (06:00Z); 01:00-01:59 happens twice.
    expect(runs("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
    // Repeating within the hour, even with its hour fixed: both passes through 01:xx.
    for (const pattern of ["*/30 1 * * *", "0,30 1 * * *"]) {
      expect(runs(pattern, "America/New_York", "2026-11-01T04:50:00Z", 5), pattern).toEqual([
        "2026-11-01T05:00:00.000Z",
        "2026-11-01T05:30:00.000Z",
        "2026-11-01T06:00:00.000Z",
        "2026-11-01T06:30:00.000Z",
        "2026-11-02T06:00:00.000Z",
      ]);
    }
  });
});

describe("cronError and isValidTimeZone", () => {
  it("accepts valid patterns and zones", () => {
    for (const pattern of [
      "*/5 * * * *",
      "0 30 2 * * *",
      "0 0 12 1 1 * 2030",
      "@daily",
      "0 9 * * MON-FRI",
    ]) {
      expect(cronError(pattern, "Europe/Berlin", "or")).toBeNull();
    }
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
  });

  it("rejects a wrong field count", () => {
    expect(cronError("* * * *", "UTC", "or")).toMatch(/5, 6 or 7 fields.*got 4/);
    expect(cronError("0 0 0 1 1 * 2030 1", "UTC", "or")).toMatch(/got 8/);
    expect(cronError("", "UTC", "or")).toMatch(/got 0/);
  });

  it("rejects out-of-range values, junk and unsupported nicknames", () => {
    expect(cronError("60 * * * *", "UTC", "or")).toMatch(/minute/);
    expect(cronError("0 24 * * *", "UTC", "or")).toMatch(/hour/);
    expect(cronError("0 0 1 13 *", "UTC", "or")).toMatch(/month/);
    expect(cronError("0 0 * * 8", "UTC", "or")).toMatch(/dayOfWeek/);
    expect(cronError("0 0 0 1 1 * 10000", "UTC", "or")).toMatch(/year/);
    expect(cronError("0 0 * * 1:2", "UTC", "or")).toMatch(/':'/);
    expect(cronError("0 0 * * foo", "UTC", "or")).not.toBeNull();
    expect(cronError("@reboot", "UTC", "or")).toMatch(/unknown nickname/);
    expect(cronError("@fortnightly", "UTC", "or")).toMatch(/unknown nickname/);
  });

  it("rejects unknown zones", () => {
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(cronError("0 9 * * *", "Mars/Olympus_Mons", "or")).toMatch(/time zone/);
  });
});

describe("interval grid", () => {
  const createdAt = at("2026-01-01T00:00:00Z");
  const begins = at("2026-02-01T08:00:00Z");

  it("starts one interval after the create without begins, and at begins with it", () => {
    expect(firstGridPoint(every({ every: 7_777 }))).toBe(createdAt + 7_777);
    expect(firstGridPoint(every({ every: 7_777, begins }))).toBe(begins);
  });

  it("never drifts: the 1000th step lands exactly on anchor + 1000·every", () => {
    const withoutBegins = every({ every: 7_777 });
    let point = firstGridPoint(withoutBegins) ?? 0;
    for (let i = 1; i < 1000; i++) point = nextGridPoint(withoutBegins, point) ?? 0;
    expect(point).toBe(createdAt + 1000 * 7_777);

    const withBegins = every({ every: 7_777, begins });
    point = firstGridPoint(withBegins) ?? 0;
    for (let i = 0; i < 1000; i++) point = nextGridPoint(withBegins, point) ?? 0;
    expect(point).toBe(begins + 1000 * 7_777);
  });

  it("computes from the anchor, not from the reference time", () => {
    const spec = every({ every: MINUTE });
    expect(nextGridPoint(spec, createdAt + 5 * MINUTE + 123)).toBe(createdAt + 6 * MINUTE);
    expect(nextGridPoint(spec, createdAt + 5 * MINUTE)).toBe(createdAt + 6 * MINUTE);
    expect(nextGridPoint(spec, createdAt - DAY)).toBe(createdAt + MINUTE);
    // Ten years ahead costs one division.
    const tenYears = 10 * 365 * DAY;
    expect(nextGridPoint(every({ every: 3 * SECOND, begins }), begins + tenYears - 1)).toBe(
      begins + tenYears,
    );
  });

  it("has no points after expires", () => {
    const spec = every({ every: HOUR, begins, expires: begins + 2 * HOUR });
    expect(nextGridPoint(spec, begins + HOUR)).toBe(begins + 2 * HOUR);
    expect(nextGridPoint(spec, begins + 2 * HOUR)).toBeNull();
    expect(firstGridPoint(every({ every: HOUR, expires: createdAt + 30 * MINUTE }))).toBeNull();
  });
});

describe("cron and once grids", () => {
  it("counts a match exactly at begins as the first point", () => {
    const spec = cron({ cron: "0 * * * *", begins: at("2026-03-01T05:00:00Z") });
    expect(iso(firstGridPoint(spec))).toBe("2026-03-01T05:00:00.000Z");
    expect(iso(nextGridPoint(spec, at("2026-01-01T00:00:00Z")))).toBe("2026-03-01T05:00:00.000Z");
  });

  it("starts strictly after the create without begins", () => {
    const spec = cron({ cron: "0 * * * *", createdAt: at("2026-03-01T05:00:00Z") });
    expect(iso(firstGridPoint(spec))).toBe("2026-03-01T06:00:00.000Z");
  });

  it("has no points after expires, or when the pattern is spent", () => {
    const spec = cron({ cron: "0 12 * * *", expires: at("2026-01-02T12:00:00Z") });
    expect(iso(nextGridPoint(spec, at("2026-01-01T13:00:00Z")))).toBe("2026-01-02T12:00:00.000Z");
    expect(nextGridPoint(spec, at("2026-01-02T12:00:00Z"))).toBeNull();
    expect(firstGridPoint(cron({ cron: "0 0 12 1 1 * 2020" }))).toBeNull();
  });

  it("has exactly one point for once", () => {
    const spec: ScheduleSpec = { kind: "once", at: at("2026-06-01T00:00:00Z") };
    expect(firstGridPoint(spec)).toBe(spec.at);
    expect(nextGridPoint(spec, spec.at - 1)).toBe(spec.at);
    expect(nextGridPoint(spec, spec.at)).toBeNull();
  });
});

describe("planDue", () => {
  const due = at("2026-04-01T10:00:00Z");
  const WINDOW = DEFAULT_CATCHUP_WINDOW_MS;
  const perMinute = (misfire: Misfire): ScheduleSpec =>
    every({ every: MINUTE, begins: due - 10 * MINUTE, misfire });

  it("fires an on-time point and moves to the next one", () => {
    for (const misfire of ["run_once", "skip", "run_all"] as const) {
      expect(planDue(perMinute(misfire), due, due)).toEqual({
        fire: [due],
        next: due + MINUTE,
        dropped: 0,
      });
    }
  });

  it("fires a point late by up to the window on its grid, under every policy", () => {
    for (const misfire of ["run_once", "skip", "run_all"] as const) {
      const spec = every({ every: 5 * MINUTE, begins: due, misfire });
      expect(planDue(spec, due, due + WINDOW)).toEqual({
        fire: [due],
        next: due + 5 * MINUTE,
        dropped: 0,
      });
    }
    const skip = every({ every: 5 * MINUTE, begins: due, misfire: "skip" });
    expect(planDue(skip, due, due + WINDOW + 1)).toEqual({
      fire: [],
      next: due + 5 * MINUTE,
      dropped: 1,
    });
  });

  it("serves every late point of an overloaded task in order, none dropped or shifted", () => {
    // A task every 100 ms whose calls each take 150 ms: it falls further behind every call,
    // yet each call serves the next grid point, as long as the lag stays inside the window.
    for (const misfire of ["run_once", "skip", "run_all"] as const) {
      const spec = every({ every: 100, begins: due, misfire, catchupWindow: 30 * SECOND });
      let pending: number | null = due;
      let now = due;
      const served: number[] = [];
      while (pending !== null && served.length < 150) {
        const plan = planDue(spec, pending, now);
        expect(plan.dropped).toBe(0);
        served.push(...plan.fire);
        now += 150 * plan.fire.length;
        pending = plan.next;
      }
      expect(served).toEqual(Array.from({ length: 150 }, (_, k) => due + k * 100));
      expect(now - (served.at(-1) ?? 0)).toBeGreaterThan(7 * SECOND); // really late
    }
  });

  it("treats points from before the schedule was set as missed, not late", () => {
    const created = due + 30 * SECOND;
    const spec = every({ every: SECOND, begins: due, createdAt: created, misfire: "skip" });
    expect(planDue(spec, due, created)).toEqual({ fire: [], next: created, dropped: 30 });
  });

  it("never fires a point before it is due", () => {
    expect(planDue(perMinute("run_all"), due, due - 1)).toEqual({
      fire: [],
      next: due,
      dropped: 0,
    });
  });

  it("applies the policy to points older than the window, then continues inside it", () => {
    const now = due + 5 * MINUTE + 30 * SECOND; // due … due+4m missed, due+5m inside the window
    expect(planDue(perMinute("run_once"), due, now)).toEqual({
      fire: [due + 4 * MINUTE],
      next: due + 5 * MINUTE,
      dropped: 4,
    });
    expect(planDue(perMinute("run_all"), due, now)).toEqual({
      fire: [0, 1, 2, 3, 4].map((k) => due + k * MINUTE),
      next: due + 5 * MINUTE,
      dropped: 0,
    });
    expect(planDue(perMinute("skip"), due, now)).toEqual({
      fire: [],
      next: due + 5 * MINUTE,
      dropped: 5,
    });
  });

  it("under skip drops the missed points and waits for the next one", () => {
    const spec = every({ every: 5 * MINUTE, begins: due, misfire: "skip" });
    // due, +5m and +10m are older than the window.
    expect(planDue(spec, due, due + 11 * MINUTE + 1)).toEqual({
      fire: [],
      next: due + 15 * MINUTE,
      dropped: 3,
    });
  });

  it("honours a task's own window", () => {
    const spec = every({ every: 10 * SECOND, begins: due, misfire: "skip", catchupWindow: 5_000 });
    expect(planDue(spec, due, due + 25 * SECOND)).toEqual({
      fire: [],
      next: due + 20 * SECOND,
      dropped: 2,
    });
  });

  it("caps run_all at the newest RUN_ALL_CAP missed points", () => {
    const spec = every({ every: SECOND, begins: due, misfire: "run_all" });
    const plan = planDue(spec, due, due + 250 * SECOND + 500);
    // Missed: due … due+190s (191 points); due+191s … due+250s are inside the window.
    expect(plan.fire).toHaveLength(RUN_ALL_CAP);
    expect(plan.fire[0]).toBe(due + 91 * SECOND);
    expect(plan.fire[RUN_ALL_CAP - 1]).toBe(due + 190 * SECOND);
    expect(plan.dropped).toBe(91);
    expect(plan.next).toBe(due + 191 * SECOND);
  });

  it("counts a years-long interval backlog by arithmetic", () => {
    const spec = every({ every: SECOND, begins: due, misfire: "run_once" });
    const now = due + 3 * 365 * DAY;
    expect(planDue(spec, due, now)).toEqual({
      fire: [now - WINDOW - SECOND],
      next: now - WINDOW,
      dropped: 3 * 365 * 86_400 - 61,
    });
  });

  it("stops at expires", () => {
    const spec = every({
      every: MINUTE,
      begins: due,
      expires: due + 3 * MINUTE,
      misfire: "run_all",
    });
    expect(planDue(spec, due, due + HOUR)).toEqual({
      fire: [due, due + MINUTE, due + 2 * MINUTE, due + 3 * MINUTE],
      next: null,
      dropped: 0,
    });
  });

  it("fires a once point however late", () => {
    const spec: ScheduleSpec = { kind: "once", at: due };
    expect(planDue(spec, due, due + DAY)).toEqual({ fire: [due], next: null, dropped: 0 });
  });

  it("plans cron misfires per policy", () => {
    const spec = (misfire: Misfire) => cron({ cron: "*/5 * * * *", misfire });
    const now = due + 17 * MINUTE; // due, +5, +10, +15 missed
    expect(planDue(spec("run_once"), due, now)).toEqual({
      fire: [due + 15 * MINUTE],
      next: due + 20 * MINUTE,
      dropped: 3,
    });
    // +15m is 30 s late: inside the window, so it still fires after the skip.
    expect(planDue(spec("skip"), due, due + 15 * MINUTE + 30 * SECOND)).toEqual({
      fire: [],
      next: due + 15 * MINUTE,
      dropped: 3,
    });
    expect(planDue(spec("skip"), due, due + 19 * MINUTE)).toEqual({
      fire: [],
      next: due + 20 * MINUTE,
      dropped: 4,
    });
    expect(planDue(spec("run_all"), due, now)).toEqual({
      fire: [due, due + 5 * MINUTE, due + 10 * MINUTE, due + 15 * MINUTE],
      next: due + 20 * MINUTE,
      dropped: 0,
    });
  });

  it("caps cron run_all at the newest RUN_ALL_CAP missed points", () => {
    const spec = cron({ cron: "* * * * * *", misfire: "run_all" });
    const plan = planDue(spec, due, due + 250 * SECOND + 500);
    expect(plan.fire).toHaveLength(RUN_ALL_CAP);
    expect(plan.fire[0]).toBe(due + 91 * SECOND);
    expect(plan.fire[RUN_ALL_CAP - 1]).toBe(due + 190 * SECOND);
    expect(plan.dropped).toBe(91);
    expect(plan.next).toBe(due + 191 * SECOND);
  });

  it("catches a cron up on its true newest missed point after a long outage", () => {
    const spec = cron({ cron: "* * * * *", misfire: "run_once" });
    const now = due + 3 * DAY + 90 * SECOND;
    expect(planDue(spec, due, now)).toEqual({
      fire: [due + 3 * DAY],
      next: due + 3 * DAY + MINUTE,
      dropped: 3 * 24 * 60,
    });
    // Past the counting cap the newest point is still exact and `dropped` is a lower bound.
    const perSecond = cron({ cron: "* * * * * *", misfire: "run_once" });
    const plan = planDue(perSecond, due, due + DAY + 500);
    expect(plan.fire).toEqual([due + DAY - WINDOW]);
    expect(plan.dropped).toBe(CRON_COUNT_CAP - 1);
    expect(plan.next).toBe(due + DAY - WINDOW + SECOND);
  });
});
