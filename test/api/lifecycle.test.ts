import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import { taskObject } from "../../src/task-address";
import type { ErrorEnvelope } from "../../src/wire/answers";
import {
  api,
  bucket,
  createProject,
  eventually,
  type TestProject,
  waitForTask,
} from "../support/helpers";
import type { ReceivedCall } from "../support/receiver-types";
import { inHour } from "../support/task-list";

type Bucket = ReturnType<typeof bucket>;

let project: TestProject;
beforeAll(async () => {
  project = await createProject("lifecycle");
});

async function create(body: Record<string, unknown>): Promise<Task> {
  const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.payload;
}

function act(id: string, action: "pause" | "resume" | "cancel" | "run") {
  return api<{ payload: Task } & ErrorEnvelope>("POST", `/api/v1/tasks/${id}/${action}`, {
    key: project.key,
  });
}

function patch(id: string, body: unknown) {
  return api<{ payload: Task } & ErrorEnvelope>("PATCH", `/api/v1/tasks/${id}`, {
    key: project.key,
    body,
  });
}

async function read(id: string): Promise<Task> {
  const res = await api<{ payload: Task }>("GET", `/api/v1/tasks/${id}`, { key: project.key });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.payload;
}

const scheduledAt = (call: ReceivedCall) => Date.parse(call.headers["belfry-scheduled-at"] ?? "");
const executionNumbers = (calls: ReceivedCall[]) =>
  calls.map((c) => Number(c.headers["belfry-execution"]));

/**
 * After a change answered at `answeredAt`, nothing scheduled after that moment may arrive at
 * `target`. Two 100 ms grid points pass, then the task's alarm is run at once, so a due call
 * would be made now rather than whenever the alarm would have fired. One call already in flight
 * at the change may land.
 */
async function expectNoNewCalls(target: Bucket, taskId: string, answeredAt: number) {
  const start = (await target.calls()).length;
  await new Promise((r) => setTimeout(r, 250));
  await runDurableObjectAlarm(taskObject(env, taskId));
  const late = (await target.calls()).slice(start);
  expect(late.length).toBeLessThanOrEqual(1);
  for (const call of late) expect(scheduledAt(call)).toBeLessThanOrEqual(answeredAt);
}

describe("pause and resume", () => {
  it("a paused task makes no calls; resumed, it calls again with unbroken execution numbers", async () => {
    const target = bucket();
    const task = await create({ url: target.url, schedule: { every: 100 } });
    expect((await target.waitForCalls(2)).length).toBeGreaterThanOrEqual(2);

    const paused = await act(task.id, "pause");
    const pausedAt = Date.now();
    expect(paused.status).toBe(200);
    expect(paused.json.payload).toMatchObject({ state: "paused", status: "running" });
    await expectNoNewCalls(target, task.id, pausedAt);
    expect(await read(task.id)).toMatchObject({ state: "paused", status: "running" });

    const before = (await target.calls()).length;
    const resumed = await act(task.id, "resume");
    expect(resumed.status).toBe(200);
    expect(resumed.json.payload).toMatchObject({ state: "active", status: "running" });
    const calls = await target.waitForCalls(before + 2);
    expect(calls.length).toBeGreaterThanOrEqual(before + 2);
    const numbers = executionNumbers(calls);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));

    expect((await act(task.id, "cancel")).status).toBe(200);
  });

  it("pausing a paused task and resuming an active one change nothing", async () => {
    const target = bucket();
    const task = await create({ url: target.url, schedule: { at: inHour() } });
    expect((await act(task.id, "resume")).json.payload.state).toBe("active");
    expect((await act(task.id, "pause")).json.payload.state).toBe("paused");
    const again = await act(task.id, "pause");
    expect(again.status).toBe(200);
    expect(again.json.payload.state).toBe("paused");
  });
});

describe("cancel", () => {
  it("stops the calls for good: cancelled, status completed, and it cannot be resumed", async () => {
    const target = bucket();
    const task = await create({ url: target.url, schedule: { every: 100 } });
    await target.waitForCalls(1);

    const cancelled = await act(task.id, "cancel");
    const cancelledAt = Date.now();
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.payload).toMatchObject({
      state: "cancelled",
      status: "completed",
      next_run_at: null,
    });
    await expectNoNewCalls(target, task.id, cancelledAt);

    const resumed = await act(task.id, "resume");
    expect(resumed.status).toBe(409);
    expect(resumed.json).toEqual({
      status: "error",
      error: { code: "conflict", message: expect.stringContaining("cancelled"), details: [] },
    });
    expect(await read(task.id)).toMatchObject({ state: "cancelled", status: "completed" });
  });
});

describe("run", () => {
  it("fires one extra call now, numbered next, without moving the schedule", async () => {
    const target = bucket();
    const at = inHour();
    const task = await create({ url: target.url, schedule: { at } });
    expect(task.next_run_at).toBe(at);

    for (const number of [1, 2]) {
      const requestedAt = Date.now();
      const ran = await act(task.id, "run");
      const answeredAt = Date.now();
      expect(ran.status).toBe(200);
      expect(ran.json.payload).toMatchObject({ state: "active", next_run_at: at });

      const calls = await target.waitForCalls(number);
      const call = calls[number - 1];
      expect(call?.headers["belfry-execution"]).toBe(String(number));
      // It serves "now", not the schedule's point an hour away.
      const served = call ? scheduledAt(call) : Number.NaN;
      expect(served).toBeGreaterThanOrEqual(requestedAt);
      expect(served).toBeLessThanOrEqual(answeredAt);

      const after = await waitForTask<Task>(
        project.key,
        task.id,
        (t) => t.executions.total === number,
      );
      expect(after).toMatchObject({
        state: "active",
        status: "running",
        next_run_at: at,
        schedule: { at },
        // Manual runs are not the schedule's one call.
        progress: 0,
        executions: { total: number, succeeded: number, failed: 0 },
      });
      expect(await target.calls()).toHaveLength(number);
    }
  });
});

describe("patch", () => {
  it("changing url, headers and body changes the calls that follow", async () => {
    const first = bucket();
    const second = bucket();
    const task = await create({
      url: first.url,
      headers: { "X-Version": "1" },
      body: { v: 1 },
      schedule: { every: 100 },
    });
    await first.waitForCalls(1);

    const moved = await patch(task.id, {
      url: second.url,
      headers: { "X-Version": "2" },
      body: { v: 2 },
    });
    const movedAt = Date.now();
    expect(moved.status, JSON.stringify(moved.json)).toBe(200);
    expect(moved.json.payload).toMatchObject({
      url: second.url,
      headers: { "X-Version": "2" },
      body: { v: 2 },
      schedule: { every: 100 },
    });
    const calls = await second.waitForCalls(2);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      expect(call.headers["x-version"]).toBe("2");
      expect(JSON.parse(call.body)).toEqual({ v: 2 });
    }
    await expectNoNewCalls(first, task.id, movedAt);

    // A patch naming one field keeps the others.
    const headersOnly = await patch(task.id, { headers: { "X-Version": "3" } });
    const headersAt = Date.now();
    expect(headersOnly.status, JSON.stringify(headersOnly.json)).toBe(200);
    expect(headersOnly.json.payload).toMatchObject({
      url: second.url,
      headers: { "X-Version": "3" },
      body: { v: 2 },
    });
    const later = await eventually(async () => {
      const after = (await second.calls()).filter((c) => scheduledAt(c) > headersAt);
      return after.length >= 2 ? after : undefined;
    });
    for (const call of later) {
      expect(call.headers["x-version"]).toBe("3");
      expect(JSON.parse(call.body)).toEqual({ v: 2 });
    }

    expect((await act(task.id, "cancel")).status).toBe(200);
  });

  it("a new schedule replaces the old one and recomputes next_run_at", async () => {
    const target = bucket();
    const task = await create({ url: target.url, schedule: { at: inHour() } });

    const before = Date.now();
    const res = await patch(task.id, { schedule: { every: 100, occurrences: 2 } });
    const after = Date.now();
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.payload.schedule).toEqual({ every: 100, occurrences: 2, misfire: "run_once" });
    const next = Date.parse(res.json.payload.next_run_at ?? "");
    expect(next).toBeGreaterThanOrEqual(before + 100);
    expect(next).toBeLessThanOrEqual(after + 100);

    const done = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active");
    expect(done).toMatchObject({ state: "completed", progress: 100 });
    expect(done.executions.total).toBe(2);
    expect(await target.calls()).toHaveLength(2);
  });

  it("replacing a recurring schedule with a later one-time call stops the old calls", async () => {
    const target = bucket();
    const task = await create({ url: target.url, schedule: { every: 100 } });
    await target.waitForCalls(1);

    const at = inHour();
    const res = await patch(task.id, { schedule: { at } });
    const answeredAt = Date.now();
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.payload).toMatchObject({ state: "active", schedule: { at }, next_run_at: at });
    await expectNoNewCalls(target, task.id, answeredAt);
    expect((await read(task.id)).next_run_at).toBe(at);
  });

  it("an unknown or invalid field is a 400 and changes nothing", async () => {
    const target = bucket();
    const at = inHour();
    const task = await create({ url: target.url, schedule: { at } });

    const unknown = await patch(task.id, { state: "paused" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/^state: /),
      details: [{ path: "state" }],
    });

    const badCron = await patch(task.id, { schedule: { cron: "61 * * * *" } });
    expect(badCron.status).toBe(400);
    expect(badCron.json.error.details.map((d) => d.path)).toContain("schedule.cron");

    const badUrl = await patch(task.id, { url: "ftp://example.com/hook" });
    expect(badUrl.status).toBe(400);
    expect(badUrl.json.error.details.map((d) => d.path)).toContain("url");

    expect(await read(task.id)).toMatchObject({
      state: "active",
      url: target.url,
      schedule: { at },
      next_run_at: at,
    });
  });
});

describe("delete", () => {
  it("answers {id, deleted: true}; the task is gone and makes no more calls", async () => {
    const target = bucket();
    const task = await create({ url: target.url, schedule: { every: 100 } });
    await target.waitForCalls(1);

    const res = await api("DELETE", `/api/v1/tasks/${task.id}`, { key: project.key });
    const deletedAt = Date.now();
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "success", payload: { id: task.id, deleted: true } });

    const gone = await api<ErrorEnvelope>("GET", `/api/v1/tasks/${task.id}`, { key: project.key });
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({ status: "error", error: { code: "not_found" } });
    await expectNoNewCalls(target, task.id, deletedAt);

    const list = await api<{ payload: { results: Task[] } }>("GET", "/api/v1/tasks?limit=100", {
      key: project.key,
    });
    expect(list.json.payload.results.map((t) => t.id)).not.toContain(task.id);

    const again = await api("DELETE", `/api/v1/tasks/${task.id}`, { key: project.key });
    expect(again.status).toBe(404);
  });
});
