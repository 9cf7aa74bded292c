import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { schedulesPreview } from "../../cli/commands/schedules-preview";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ErrorEnvelope, SchedulePreview } from "../../src/wire/answers";
import {
  api,
  bucket,
  createProject,
  type TestProject,
  waitForTask,
  workerClient,
} from "../support/helpers";

let project: TestProject;
beforeAll(async () => {
  project = await createProject("schedule-preview");
});

async function preview(body: unknown): Promise<string[]> {
  const res = await api<{ status: string; payload: SchedulePreview }>(
    "POST",
    "/api/v1/schedules/preview",
    { key: project.key, body },
  );
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(res.json.status).toBe("success");
  return res.json.payload.runs;
}

const FROM = "2026-12-02T09:07:30.250Z";

describe("POST /api/v1/schedules/preview against hand-computed grids", () => {
  it("every without begins: one interval after from, then on that grid", async () => {
    expect(await preview({ schedule: { every: "10m" }, count: 3, from: FROM })).toEqual([
      "2026-12-02T09:17:30.250Z",
      "2026-12-02T09:27:30.250Z",
      "2026-12-02T09:37:30.250Z",
    ]);
  });

  it("every with begins: at begins, then begins + k·every; a past begins lists from `from` on", async () => {
    const schedule = { every: 90_000, begins: "2026-12-02T10:00:00Z" };
    expect(await preview({ schedule, count: 3, from: FROM })).toEqual([
      "2026-12-02T10:00:00.000Z",
      "2026-12-02T10:01:30.000Z",
      "2026-12-02T10:03:00.000Z",
    ]);
    const later = { schedule, count: 2, from: "2026-12-02T10:02:00Z" };
    expect(await preview(later)).toEqual(["2026-12-02T10:03:00.000Z", "2026-12-02T10:04:30.000Z"]);
  });

  it("cron steps, ranges and lists", async () => {
    expect(await preview({ schedule: { cron: "*/15 * * * *" }, count: 4, from: FROM })).toEqual([
      "2026-12-02T09:15:00.000Z",
      "2026-12-02T09:30:00.000Z",
      "2026-12-02T09:45:00.000Z",
      "2026-12-02T10:00:00.000Z",
    ]);
    // 2026-12-02 is a Wednesday.
    const weekdays = { schedule: { cron: "30 9-10 * * 1,3" }, count: 5, from: FROM };
    expect(await preview(weekdays)).toEqual([
      "2026-12-02T09:30:00.000Z",
      "2026-12-02T10:30:00.000Z",
      "2026-12-07T09:30:00.000Z",
      "2026-12-07T10:30:00.000Z",
      "2026-12-09T09:30:00.000Z",
    ]);
    const seconds = { schedule: { cron: "10,40 * * * * *" }, count: 3, from: FROM };
    expect(await preview(seconds)).toEqual([
      "2026-12-02T09:07:40.000Z",
      "2026-12-02T09:08:10.000Z",
      "2026-12-02T09:08:40.000Z",
    ]);
  });

  it("both day fields restricted match either, as in cron", async () => {
    // Noon on the 1st or on a Monday: Tue 1 Dec, Mondays 7, 14, 21, 28, Fri 1 Jan, Mon 4 Jan.
    const body = { schedule: { cron: "0 12 1 * 1" }, count: 7, from: "2026-11-30T13:00:00Z" };
    expect(await preview(body)).toEqual([
      "2026-12-01T12:00:00.000Z",
      "2026-12-07T12:00:00.000Z",
      "2026-12-14T12:00:00.000Z",
      "2026-12-21T12:00:00.000Z",
      "2026-12-28T12:00:00.000Z",
      "2027-01-01T12:00:00.000Z",
      "2027-01-04T12:00:00.000Z",
    ]);
  });

  it("nicknames", async () => {
    expect(await preview({ schedule: { cron: "@daily" }, count: 2, from: FROM })).toEqual([
      "2026-12-03T00:00:00.000Z",
      "2026-12-04T00:00:00.000Z",
    ]);
    expect(await preview({ schedule: { cron: "@hourly" }, count: 2, from: FROM })).toEqual([
      "2026-12-02T10:00:00.000Z",
      "2026-12-02T11:00:00.000Z",
    ]);
  });

  it("the year field ends a pattern: fewer runs than asked", async () => {
    const body = { schedule: { cron: "0 0 12 1 1 * 2027-2028" }, count: 5, from: FROM };
    expect(await preview(body)).toEqual(["2027-01-01T12:00:00.000Z", "2028-01-01T12:00:00.000Z"]);
  });

  it("expires and occurrences cut it short; a one-time schedule has one run", async () => {
    const expiring = { every: "1h", expires: "2026-12-02T12:07:30.250Z" };
    expect(await preview({ schedule: expiring, count: 10, from: FROM })).toEqual([
      "2026-12-02T10:07:30.250Z",
      "2026-12-02T11:07:30.250Z",
      "2026-12-02T12:07:30.250Z",
    ]);
    const counted = { cron: "0 * * * *", occurrences: 2 };
    expect(await preview({ schedule: counted, from: FROM })).toEqual([
      "2026-12-02T10:00:00.000Z",
      "2026-12-02T11:00:00.000Z",
    ]);
    expect(await preview({ schedule: { at: "2026-12-24T18:00:00Z" }, from: FROM })).toEqual([
      "2026-12-24T18:00:00.000Z",
    ]);
    expect(await preview({ schedule: { delay: "90s" }, from: FROM })).toEqual([
      "2026-12-02T09:09:00.250Z",
    ]);
  });

  it("a time zone across the spring gap and the autumn overlap (Berlin, New York)", async () => {
    // Berlin, 2026-03-29: 02:30 does not exist; it fires right after the gap, at 03:00 CEST.
    const spring = { cron: "30 2 * * *", timezone: "Europe/Berlin" };
    expect(await preview({ schedule: spring, count: 2, from: "2026-03-28T12:00:00Z" })).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    // Berlin, 2026-10-25: 02:00-02:59 happens twice; */30 fires in both passes.
    const autumn = { cron: "*/30 * * * *", timezone: "Europe/Berlin" };
    expect(await preview({ schedule: autumn, count: 5, from: "2026-10-24T23:50:00Z" })).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
    // New York, 2026-11-01: 01:30 happens twice and a fixed 01:30 fires once.
    const fixed = { cron: "30 1 * * *", timezone: "America/New_York" };
    expect(await preview({ schedule: fixed, count: 2, from: "2026-10-31T12:00:00Z" })).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
  });

  it("count defaults to 10 and goes up to 100", async () => {
    expect(await preview({ schedule: { every: "1s" }, from: FROM })).toHaveLength(10);
    const hundred = await preview({ schedule: { cron: "* * * * * *" }, count: 100, from: FROM });
    expect(hundred).toHaveLength(100);
    expect(hundred[0]).toBe("2026-12-02T09:07:31.000Z");
    expect(hundred[99]).toBe("2026-12-02T09:09:10.000Z");
  });

  it("without from, previews a task created now", async () => {
    const before = Date.now();
    const [first] = await preview({ schedule: { every: "1h" }, count: 1 });
    const at = Date.parse(first ?? "");
    expect(at).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});

describe("bad previews are a 400 naming the field, as on create", () => {
  const cases: [unknown, string][] = [
    [{ schedule: { cron: "61 * * * *" } }, "schedule.cron"],
    [{ schedule: { cron: "0 9 * * *", timezone: "Mars/Base" } }, "schedule.timezone"],
    [{ schedule: { every: 1, begins: "2026-12-02T10:00:00Z" } }, "schedule.every"],
    [{ schedule: { every: "1m", cron: "* * * * *" } }, "schedule"],
    [{ schedule: { at: "2020-01-01T00:00:00Z" } }, "schedule.at"],
    [{ schedule: { every: "1m", expires: "2020-01-01T00:00:00Z" } }, "schedule.expires"],
    [{ schedule: { cron: "0 0 0 1 1 * 2020" } }, "schedule"],
    [{}, "schedule"],
    [{ schedule: { every: "1m" }, count: 0 }, "count"],
    [{ schedule: { every: "1m" }, count: 101 }, "count"],
    [{ schedule: { every: "1m" }, count: "5" }, "count"],
    [{ schedule: { every: "1m" }, from: "yesterday" }, "from"],
    [{ schedule: { every: "1m" }, until: "2027-01-01T00:00:00Z" }, "until"],
  ];
  it.each(cases)("%j → %s", async (body, path) => {
    const res = await api<ErrorEnvelope>("POST", "/api/v1/schedules/preview", {
      key: project.key,
      body,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect(res.json.error.details.map((d) => d.path)).toContain(path);
  });

  it("needs an API key", async () => {
    const res = await api("POST", "/api/v1/schedules/preview", {
      body: { schedule: { every: "1m" } },
    });
    expect(res.status).toBe(401);
  });
});

describe("a task keeps to its preview", () => {
  it("its calls carry exactly the preview's grid points, and its view's upcoming shows them", async () => {
    const target = bucket();
    const begins = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000).toISOString();
    const schedule = { every: 250, begins, occurrences: 4 };
    const runs = await preview({ schedule, count: 10 });
    expect(runs).toHaveLength(4);
    const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, schedule },
    });
    expect(res.status).toBe(201);
    expect(res.json.payload.upcoming).toEqual(runs);
    const calls = await target.waitForCalls(4);
    expect(calls.map((c) => c.headers["belfry-scheduled-at"])).toEqual(runs);
    const done = await waitForTask<Task>(
      project.key,
      res.json.payload.id,
      (t) => t.state !== "active",
    );
    expect(done.state).toBe("completed");
    expect(done.upcoming).toEqual([]);
  });

  it("a cron task created at `from` calls at the preview's times", async () => {
    const target = bucket();
    const schedule = { cron: "* * * * * *", occurrences: 3 };
    const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, schedule },
    });
    expect(res.status).toBe(201);
    const task = res.json.payload;
    const runs = await preview({ schedule, from: task.created_at });
    expect(runs).toHaveLength(3);
    expect(task.upcoming).toEqual(runs);
    const calls = await target.waitForCalls(3);
    expect(calls.map((c) => c.headers["belfry-scheduled-at"])).toEqual(runs);
  });

  it("upcoming lists the next five, counts down with occurrences, and is empty when paused", async () => {
    const target = bucket();
    const begins = "2027-01-01T00:00:00Z";
    const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, schedule: { cron: "0 9 * * 1-5", begins } },
    });
    const task = res.json.payload;
    // 2027-01-01 is a Friday.
    expect(task.upcoming).toEqual([
      "2027-01-01T09:00:00.000Z",
      "2027-01-04T09:00:00.000Z",
      "2027-01-05T09:00:00.000Z",
      "2027-01-06T09:00:00.000Z",
      "2027-01-07T09:00:00.000Z",
    ]);
    const listed = await api<{ payload: { results: Task[] } }>("GET", "/api/v1/tasks?limit=1", {
      key: project.key,
    });
    expect(listed.json.payload.results[0]?.upcoming).toEqual(task.upcoming);
    const paused = await api<{ payload: Task }>("POST", `/api/v1/tasks/${task.id}/pause`, {
      key: project.key,
    });
    expect(paused.json.payload.upcoming).toEqual([]);
  });
});

describe("preview through the CLI, the client and the service binding", () => {
  it("belfry schedules preview --cron … --count prints the runs", async () => {
    const client = workerClient({ apiKey: project.key });
    const out = await schedulesPreview(client, {
      cron: "0 9 * * *",
      timezone: "America/New_York",
      count: 2,
      from: "2026-12-02T00:00:00Z",
    });
    expect(out.data.runs).toEqual(["2026-12-02T14:00:00.000Z", "2026-12-03T14:00:00.000Z"]);
    expect(out.text).toBe("2026-12-02T14:00:00Z\n2026-12-03T14:00:00Z");
    await expect(schedulesPreview(client, { count: 2 })).rejects.toThrow(/no schedule/);
  });

  it("Scheduler.previewSchedule answers the same runs and throws the same 400", async () => {
    const scheduler = exports.Scheduler({ props: { project: project.id } });
    const body = { schedule: { every: "10m" }, count: 2, from: FROM };
    expect(await scheduler.previewSchedule(body)).toEqual({ runs: await preview(body) });
    const refused = await scheduler.previewSchedule({ schedule: { cron: "nope" } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: "invalid_request", status: 400 });
  });
});
