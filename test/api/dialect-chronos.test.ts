import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { firstGridPoint, nextGridPoint } from "../../src/core/schedule";
import { toScheduleSpec } from "../../src/core/task-definition";
import { createTaskSchema } from "../../src/core/task-input";
import type { TaskView as NativeTask } from "../../src/core/task-view";
import {
  canonicalHeaderName,
  chronosTaskSchema,
  chronosToNative,
} from "../../src/dialects/chronos";
import { taskObject } from "../../src/task-address";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, eventually, type TestProject } from "../support/helpers";

// The Chronos document (docs/dialects.md), its examples sent as written with the URLs pointed
// at the test receiver.

interface ChronosTask {
  id: string;
  project_id: string;
  schedule: string;
  url: string;
  method: string;
  payload?: unknown;
  headers?: Record<string, string>;
  expires?: string;
  begins?: string;
  timezone?: string;
  created: string;
  inactive: boolean;
}
interface ChronosPage<T> {
  current_page: number;
  total_pages: number;
  total_results: number;
  results: T[];
}
interface HistoryRecord {
  id: string;
  task_id: string;
  project_id: string;
  status_code: number;
  headers: Record<string, string>;
  body: string;
  successful: boolean;
  error: string;
  duration: number;
  created: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let project: TestProject;
beforeAll(async () => {
  project = await createProject("chronos");
});

function chronos<T>(method: string, path: string, body?: unknown, key = project.key) {
  return api<T>(method, `/api/v1/chronos${path}`, { key, ...(body !== undefined && { body }) });
}

async function create(body: Record<string, unknown>, key = project.key): Promise<ChronosTask> {
  const res = await chronos<ChronosTask>("POST", "/tasks", body, key);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json;
}

async function native(id: string): Promise<NativeTask> {
  const res = await api<{ payload: NativeTask }>("GET", `/api/v1/tasks/${id}`, {
    key: project.key,
  });
  return res.json.payload;
}

/** The first UTC instant after `from`, on the hour given, of a day that `day` accepts. */
function nextDay(from: number, hour: number, day: (d: Date) => boolean): string {
  const d = new Date(from);
  d.setUTCHours(hour, 0, 0, 0);
  while (d.getTime() <= from || !day(d)) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

describe("creating tasks from the document's examples", () => {
  const example = (url: string) => ({
    schedule: "0 8 * * 1-5 *",
    url,
    method: "POST",
    headers: { "X-custom": "a custom value", "User-Agent": "Custom/1.0" },
    payload: { greeting: "hello", list: [{ one: 1 }], object: { two: 2 } },
    expires: "2017-06-01T00:00:00Z",
  });

  it("the recurring example as written: answered in the document's shape, inactive since it expired in 2017", async () => {
    const target = bucket();
    const before = Date.now();
    const task = await create(example(target.url));
    expect(task).toEqual({
      id: expect.stringMatching(UUID),
      project_id: project.id,
      schedule: "0 8 * * 1-5 *",
      url: target.url,
      method: "POST",
      payload: { greeting: "hello", list: [{ one: 1 }], object: { two: 2 } },
      headers: { "X-custom": "a custom value", "User-Agent": "Custom/1.0" },
      expires: "2017-06-01T00:00:00Z",
      created: expect.any(String),
      inactive: true,
    });
    expect(Date.parse(task.created)).toBeGreaterThanOrEqual(before);
    expect((await native(task.id)).state).toBe("completed");
  });

  it("the recurring example with a future expires: 8:00 UTC on the next weekday, year field *", async () => {
    const target = bucket();
    const task = await create({ ...example(target.url), expires: "2099-06-01T00:00:00Z" });
    expect(task.inactive).toBe(false);
    expect(task.expires).toBe("2099-06-01T00:00:00Z");
    const view = await native(task.id);
    // The 6-field Chronos cron becomes a native 7-field one with seconds 0.
    expect(view.schedule.cron).toBe("0 0 8 * * 1-5 *");
    const weekday = (d: Date) => d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
    expect(view.next_run_at).toBe(nextDay(Date.parse(task.created), 8, weekday));
  });

  it("the one-time example as written lies in the past: created inactive, shown as its cron spelling, never called", async () => {
    const target = bucket();
    const res = await chronos<ChronosTask>("POST", "/tasks", {
      schedule: "2017-01-27T15:37:00-07:00",
      url: target.url,
      method: "GET",
    });
    expect(res.status).toBe(201);
    // 2017-01-27T15:37:00-07:00 is 22:37 UTC on Friday 27 January 2017: the document's own list
    // shows that instant as "37 22 27 1 5 2017".
    expect(res.json).toEqual({
      id: expect.stringMatching(UUID),
      project_id: project.id,
      schedule: "37 22 27 1 5 2017",
      url: target.url,
      method: "GET",
      created: expect.any(String),
      inactive: true,
    });
    // Run the task's alarm now, if it has one: a call it would make is made at once.
    await runDurableObjectAlarm(taskObject(env, res.json.id));
    expect(await target.calls()).toEqual([]);
  });

  it("the year field with AND day semantics: 37 22 27 1 5 2017 is one instant, long past, so inactive", async () => {
    const target = bucket();
    const task = await create({ schedule: "37 22 27 1 5 2017", url: target.url });
    expect(task.schedule).toBe("37 22 27 1 5 2017");
    expect(task.inactive).toBe(true);
    const year2030 = await create({ schedule: "0 12 1 1 * 2030", url: target.url });
    expect(year2030.inactive).toBe(false);
    expect((await native(year2030.id)).next_run_at).toBe("2030-01-01T12:00:00.000Z");
  });

  it("day-of-month and day-of-week are AND-ed: 0 12 13 * 5 * runs on a Friday the 13th only", async () => {
    const task = await create({ schedule: "0 12 13 * 5 *", url: bucket().url });
    const friday13 = (d: Date) => d.getUTCDate() === 13 && d.getUTCDay() === 5;
    expect((await native(task.id)).next_run_at).toBe(
      nextDay(Date.parse(task.created), 12, friday13),
    );
  });

  it("a future one-time timestamp: one call at that instant, GET without a body by default", async () => {
    const target = bucket();
    const at = Date.now() + 400;
    const schedule = new Date(at).toISOString();
    const task = await create({ schedule, url: target.url });
    expect(task.schedule).toBe(schedule);
    expect(task.method).toBe("GET");
    expect(task.inactive).toBe(false);
    const [call, extra] = await target.waitForCalls(1);
    expect(extra).toBeUndefined();
    expect(call?.method).toBe("GET");
    expect(call?.body).toBe("");
    expect(call?.at).toBeGreaterThanOrEqual(at);
    const done = await eventually(async () => {
      const res = await chronos<ChronosTask>("GET", `/tasks/${task.id}`);
      return res.json.inactive ? res.json : undefined;
    });
    expect(done.inactive).toBe(true);
  });

  it("payload and headers reach the target: JSON body, the task's User-Agent and custom header", async () => {
    const target = bucket();
    const payload = { greeting: "hello", list: [{ one: 1 }], object: { two: 2 } };
    await create({
      schedule: new Date(Date.now() + 200).toISOString(),
      url: target.url,
      method: "PUT",
      headers: { "X-custom": "a custom value", "User-Agent": "Custom/1.0" },
      payload,
    });
    const [call] = await target.waitForCalls(1);
    expect(call?.method).toBe("PUT");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.headers["user-agent"]).toBe("Custom/1.0");
    expect(call?.headers["x-custom"]).toBe("a custom value");
    expect(JSON.parse(call?.body ?? "")).toEqual(payload);
  });

  it("Go-style unset fields (null, empty strings) count as absent", async () => {
    const task = await create({
      schedule: "0 12 1 1 * 2030",
      url: bucket().url,
      method: "",
      payload: null,
      headers: null,
      expires: "",
      begins: "",
      timezone: "",
    });
    expect(task.method).toBe("GET");
    expect(task).not.toHaveProperty("payload");
    expect(task).not.toHaveProperty("headers");
  });
});

describe("begins, expires and timezone", () => {
  it("reads the cron in the zone, with DST: a wall time in the spring gap runs right after it", async () => {
    const url = bucket().url;
    const zone = "America/New_York";
    const before = await create({
      schedule: "30 2 * * * *",
      timezone: zone,
      begins: "2027-03-10T00:00:00-05:00",
      url,
    });
    expect(before.timezone).toBe(zone);
    expect(before.begins).toBe("2027-03-10T05:00:00Z");
    expect((await native(before.id)).next_run_at).toBe("2027-03-10T07:30:00.000Z"); // EST
    // 2027-03-14 02:30 does not exist in New York: the clocks go from 02:00 to 03:00 EDT.
    const gap = await create({
      schedule: "30 2 * * * *",
      timezone: zone,
      begins: "2027-03-14T00:00:00-05:00",
      url,
    });
    expect((await native(gap.id)).next_run_at).toBe("2027-03-14T07:00:00.000Z");
    const after = await create({
      schedule: "30 2 * * * *",
      timezone: zone,
      begins: "2027-03-15T00:00:00-04:00",
      url,
    });
    expect((await native(after.id)).next_run_at).toBe("2027-03-15T06:30:00.000Z"); // EDT
  });

  it("a repeated autumn hour runs once, on its first pass", async () => {
    const task = await create({
      schedule: "30 1 * * * *",
      timezone: "America/New_York",
      begins: "2027-11-07T00:00:00-04:00",
      url: bucket().url,
    });
    expect((await native(task.id)).next_run_at).toBe("2027-11-07T05:30:00.000Z"); // EDT, first pass
  });

  it("begins and expires bound the cron; no match between them makes the task inactive", async () => {
    const url = bucket().url;
    const bounded = await create({
      schedule: "* * * * * *",
      begins: "2030-01-01T00:00:30Z",
      expires: "2030-01-01T00:01:10Z",
      url,
    });
    expect(bounded).toMatchObject({
      begins: "2030-01-01T00:00:30Z",
      expires: "2030-01-01T00:01:10Z",
      inactive: false,
    });
    expect((await native(bounded.id)).next_run_at).toBe("2030-01-01T00:01:00.000Z");
    const empty = await create({
      schedule: "* * * * * *",
      begins: "2030-01-01T00:00:30Z",
      expires: "2030-01-01T00:00:50Z",
      url,
    });
    expect(empty.inactive).toBe(true);
  });
});

describe("mistakes are 400s in the error envelope, naming the Chronos field", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a 5-field cron", { schedule: "0 8 * * 1-5" }, "schedule"],
    ["an impossible cron", { schedule: "61 8 * * * *" }, "schedule"],
    ["an unknown zone", { schedule: "0 8 * * 1-5 *", timezone: "Mars/Base" }, "timezone"],
    [
      "expires before begins",
      {
        schedule: "0 8 * * 1-5 *",
        begins: "2031-01-01T00:00:00Z",
        expires: "2030-01-01T00:00:00Z",
      },
      "expires",
    ],
    [
      "expires with a timestamp",
      { schedule: "2030-01-01T00:00:00Z", expires: "2031-01-01T00:00:00Z" },
      "expires",
    ],
    ["a method Belfry does not know", { schedule: "0 8 * * 1-5 *", method: "BREW" }, "method"],
    ["an unknown field", { schedule: "0 8 * * 1-5 *", repeat: true }, "repeat"],
  ];
  for (const [what, fields, path] of cases) {
    it(what, async () => {
      const res = await chronos<ErrorEnvelope>("POST", "/tasks", { url: bucket().url, ...fields });
      expect(res.status).toBe(400);
      expect(res.json.status).toBe("error");
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.details[0]?.path).toBe(path);
      expect(res.json.error.message.startsWith(`${path}: `)).toBe(true);
    });
  }

  it("without an API key: 401", async () => {
    const res = await chronos<ErrorEnvelope>("GET", "/tasks", undefined, "");
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
  });
});

describe("listing", () => {
  it("pages with page and per_page, filters with inactive, newest first", async () => {
    const own = await createProject("chronos-list");
    const url = bucket().url;
    const old = await create({ schedule: "37 22 27 1 5 2017", url }, own.key);
    const middle = await create({ schedule: "0 12 1 1 * 2030", url }, own.key);
    const newest = await create({ schedule: "0 12 1 1 * 2031", url }, own.key);
    const list = async (query: string) => {
      const res = await chronos<ChronosPage<ChronosTask>>(
        "GET",
        `/tasks${query}`,
        undefined,
        own.key,
      );
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      return { ...res.json, ids: res.json.results.map((t) => t.id) };
    };
    const all = await list("");
    expect(all).toMatchObject({ current_page: 1, total_pages: 1, total_results: 3 });
    expect(all.ids).toEqual([newest.id, middle.id, old.id]);
    expect(all.results[0]).toEqual(newest);

    const second = await list("?per_page=2&page=2");
    expect(second).toMatchObject({ current_page: 2, total_pages: 2, total_results: 3 });
    expect(second.ids).toEqual([old.id]);

    const inactive = await list("?inactive=true");
    expect(inactive).toMatchObject({ total_results: 1, total_pages: 1 });
    expect(inactive.ids).toEqual([old.id]);
    expect((await list("?inactive=false")).ids).toEqual([newest.id, middle.id]);
    // "default and max is 100": a larger per_page gets pages of 100.
    expect(await list("?per_page=500")).toMatchObject({ total_pages: 1, total_results: 3 });
    expect((await list("?page=3&per_page=2")).ids).toEqual([]);
  });

  it("refuses page 0 and pages past the offset bound, naming page", async () => {
    for (const query of ["?page=0", "?page=102&per_page=100"]) {
      const res = await chronos<ErrorEnvelope>("GET", `/tasks${query}`);
      expect(res.status).toBe(400);
      expect(res.json.error.details[0]?.path).toBe("page");
    }
  });
});

describe("delete", () => {
  it("deletes a task: 200, gone from the list, a second delete is a 404", async () => {
    const own = await createProject("chronos-delete");
    const task = await create({ schedule: "0 12 1 1 * 2030", url: bucket().url }, own.key);
    const res = await chronos<{ id: string; deleted: boolean }>(
      "DELETE",
      `/tasks/${task.id}`,
      undefined,
      own.key,
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: task.id, deleted: true });
    const list = await chronos<ChronosPage<ChronosTask>>("GET", "/tasks", undefined, own.key);
    expect(list.json.total_results).toBe(0);
    const again = await chronos<ErrorEnvelope>("DELETE", `/tasks/${task.id}`, undefined, own.key);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("not_found");
  });

  it("another project's task is a 404", async () => {
    const other = await createProject("chronos-other");
    const task = await create({ schedule: "0 12 1 1 * 2030", url: bucket().url }, other.key);
    expect((await chronos<ErrorEnvelope>("DELETE", `/tasks/${task.id}`)).status).toBe(404);
    expect((await chronos<ErrorEnvelope>("GET", `/tasks/${task.id}/history`)).status).toBe(404);
  });
});

describe("history", () => {
  it("records each call in the document's shape, newest first, duration in ms, paginated", async () => {
    const target = bucket();
    await target.program([{ status: 500, body: "down" }, { delay_ms: 150 }]);
    // Two records from one occurrence: the task asks for a retry, which Chronos never made.
    const task = await create({
      schedule: new Date(Date.now() + 200).toISOString(),
      url: target.url,
      method: "POST",
      payload: { n: 1 },
      retry: { attempts: 2, backoff: 10 },
    });
    const page = await eventually(async () => {
      const res = await chronos<ChronosPage<HistoryRecord>>("GET", `/tasks/${task.id}/history`);
      return res.json.total_results >= 2 ? res.json : undefined;
    }, 15_000);
    expect(page).toMatchObject({ current_page: 1, total_pages: 1, total_results: 2 });
    const [ok, failed] = page.results;
    expect(ok).toEqual({
      id: expect.any(String),
      task_id: task.id,
      project_id: project.id,
      status_code: 200,
      headers: expect.objectContaining({ "Content-Type": "application/json" }),
      body: '{"ok":true}',
      successful: true,
      error: "",
      duration: expect.any(Number),
      created: expect.any(String),
    });
    // The answer took 150 ms: a duration in milliseconds, not seconds or microseconds.
    expect(ok?.duration).toBeGreaterThanOrEqual(150);
    expect(ok?.duration).toBeLessThan(5_000);
    expect(failed).toMatchObject({ status_code: 500, body: "down", successful: false });
    expect(failed?.error).toBe("HTTP 500");
    expect(Date.parse(ok?.created ?? "")).toBeGreaterThan(Date.parse(failed?.created ?? ""));

    const second = await chronos<ChronosPage<HistoryRecord>>(
      "GET",
      `/tasks/${task.id}/history?per_page=1&page=2`,
    );
    expect(second.json).toMatchObject({ current_page: 2, total_pages: 2, total_results: 2 });
    expect(second.json.results.map((r) => r.id)).toEqual([failed?.id]);
  });
});

describe("one record per call, as the document's history shows", () => {
  it("a failed one-time call is made once and recorded once: no retries unless asked", async () => {
    const target = bucket();
    await target.program([
      { status: 500, body: "down" },
      { status: 500, body: "down" },
    ]);
    const task = await create({
      schedule: new Date(Date.now() + 150).toISOString(),
      url: target.url,
    });
    const page = await eventually(async () => {
      const res = await chronos<ChronosPage<HistoryRecord>>("GET", `/tasks/${task.id}/history`);
      return res.json.results.length >= 1 ? res.json : undefined;
    }, 15_000);
    const done = await eventually(async () => {
      const t = await native(task.id);
      return t.state === "failed" ? t : undefined;
    });
    expect(done.state).toBe("failed");
    expect(await target.calls()).toHaveLength(1);
    expect(page).toMatchObject({ total_results: 1, total_pages: 1 });
    expect(page.results).toHaveLength(1);
    expect(page.results[0]).toMatchObject({
      status_code: 500,
      successful: false,
      error: "HTTP 500",
    });
  });

  it("each call of a recurring task is one record, newest first", async () => {
    const target = bucket();
    await target.program([
      { status: 503, body: "busy" },
      { status: 200, body: "second" },
    ]);
    const task = await create({ schedule: "0 12 1 1 * 2030", url: target.url });
    for (let i = 0; i < 2; i++) {
      await api("POST", `/api/v1/tasks/${task.id}/run`, { key: project.key });
      await target.waitForCalls(i + 1);
    }
    const page = await eventually(async () => {
      const res = await chronos<ChronosPage<HistoryRecord>>("GET", `/tasks/${task.id}/history`);
      return res.json.results.length >= 2 ? res.json : undefined;
    }, 15_000);
    expect(await target.calls()).toHaveLength(2);
    expect(page.total_results).toBe(2);
    expect(page.results.map((r) => [r.status_code, r.body])).toEqual([
      [200, "second"],
      [503, "busy"],
    ]);
  });
});

describe("response headers in history, named as the document names them", () => {
  it("canonical case: Content-Type, Cache-Control, X-Client-Version, Alt-Svc", async () => {
    const target = bucket();
    await target.program([
      {
        status: 200,
        body: '{"Ok":true,"Messages":[],"Ref":"6297338"}',
        headers: {
          "cache-control": "no-cache, no-store, must-revalidate",
          "x-client-version": "1.1.0",
          "alt-svc": "clear",
          "content-type": "application/json",
        },
      },
    ]);
    const task = await create({ schedule: "0 12 1 1 * 2030", url: target.url });
    await api("POST", `/api/v1/tasks/${task.id}/run`, { key: project.key });
    const record = await eventually(async () => {
      const res = await chronos<ChronosPage<HistoryRecord>>("GET", `/tasks/${task.id}/history`);
      return res.json.results[0];
    }, 15_000);
    expect(record.headers).toMatchObject({
      "Alt-Svc": "clear",
      "Cache-Control": "no-cache, no-store, must-revalidate",
      "Content-Type": "application/json",
      "X-Client-Version": "1.1.0",
    });
    for (const name of Object.keys(record.headers)) {
      expect(name).toBe(canonicalHeaderName(name));
      expect(name).not.toBe(name.toLowerCase());
    }
    expect(record.body).toBe('{"Ok":true,"Messages":[],"Ref":"6297338"}');
  });

  it("follows Go's rule: each word capitalised, names that are not tokens left alone", () => {
    expect(canonicalHeaderName("content-type")).toBe("Content-Type");
    expect(canonicalHeaderName("WWW-AUTHENTICATE")).toBe("Www-Authenticate");
    expect(canonicalHeaderName("x-client-version")).toBe("X-Client-Version");
    expect(canonicalHeaderName("etag")).toBe("Etag");
    expect(canonicalHeaderName("bad header")).toBe("bad header");
  });
});

describe("payload is the body of a POST or PUT only", () => {
  for (const method of ["GET", "DELETE"]) {
    it(`with ${method} it is ignored, not refused: the call carries no body`, async () => {
      const target = bucket();
      const task = await create({
        schedule: new Date(Date.now() + 150).toISOString(),
        url: target.url,
        method,
        payload: { greeting: "hello" },
      });
      expect(task.method).toBe(method);
      expect(task).not.toHaveProperty("payload");
      const [call] = await target.waitForCalls(1);
      expect(call?.method).toBe(method);
      expect(call?.body).toBe("");
      expect(call?.headers["content-type"]).toBeUndefined();
    });
  }

  it("with POST (any case) it is the JSON body", async () => {
    const target = bucket();
    await create({
      schedule: new Date(Date.now() + 150).toISOString(),
      url: target.url,
      method: "post",
      payload: { greeting: "hello" },
    });
    const [call] = await target.waitForCalls(1);
    expect(call?.method).toBe("POST");
    expect(JSON.parse(call?.body ?? "")).toEqual({ greeting: "hello" });
  });
});

/** The next `n` runs of a Chronos schedule created at `from`, as the task would make them. */
function nextRuns(schedule: string, from: string, n: number): string[] {
  const now = Date.parse(from);
  const req = chronosTaskSchema.parse({ url: "https://example.com/hook", schedule });
  const { input, options } = chronosToNative(req, now);
  const limits = {
    minIntervalMs: 1000,
    allowPrivateUrls: false,
    maxHeaders: 50,
    maxHeaderBytes: 8192,
  };
  const spec = toScheduleSpec(createTaskSchema.parse(input).schedule, now, limits, options);
  const runs: string[] = [];
  for (let t = firstGridPoint(spec); t !== null && runs.length < n; t = nextGridPoint(spec, t)) {
    runs.push(new Date(t).toISOString());
  }
  return runs;
}

describe("the document's prose cron examples, read with its field order (min hour dom mon dow year)", () => {
  // Friday 2026-11-27 23:10 UTC, so the examples cross a day and a weekend.
  const from = "2026-11-27T23:10:00Z";

  it("0 * * * * * runs at the top of every hour", () => {
    expect(nextRuns("0 * * * * *", from, 3)).toEqual([
      "2026-11-28T00:00:00.000Z",
      "2026-11-28T01:00:00.000Z",
      "2026-11-28T02:00:00.000Z",
    ]);
  });

  it("*/15 * * * 1-5 * runs every 15 minutes Monday to Friday", () => {
    expect(nextRuns("*/15 * * * 1-5 *", from, 4)).toEqual([
      "2026-11-27T23:15:00.000Z",
      "2026-11-27T23:30:00.000Z",
      "2026-11-27T23:45:00.000Z",
      // Saturday and Sunday are skipped: Monday 00:00 next.
      "2026-11-30T00:00:00.000Z",
    ]);
  });

  it("0 */15 * * * * is minute 0 of every 15th hour: 00:00 and 15:00 (docs/dialects.md)", () => {
    expect(nextRuns("0 */15 * * * *", from, 4)).toEqual([
      "2026-11-28T00:00:00.000Z",
      "2026-11-28T15:00:00.000Z",
      "2026-11-29T00:00:00.000Z",
      "2026-11-29T15:00:00.000Z",
    ]);
  });

  it("created through the API, each example's next run is the one computed from its creation", async () => {
    for (const schedule of ["0 */15 * * * *", "0 * * * * *", "*/15 * * * 1-5 *"]) {
      const task = await create({ schedule, url: bucket().url });
      const created = new Date(Date.parse(task.created)).toISOString();
      const [first] = nextRuns(schedule, created, 1);
      expect((await native(task.id)).next_run_at, schedule).toBe(first);
      await chronos("DELETE", `/tasks/${task.id}`);
    }
  });
});
