import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { AttemptView as Attempt } from "../../src/core/history";
import type { TaskView as Task } from "../../src/core/task-view";
import { TaskObject } from "../../src/task/task-object";
import { taskObject } from "../../src/task-address";
import {
  ADMIN_TOKEN,
  api,
  bucket,
  createProject,
  eventually,
  type TestProject,
  waitForTask,
} from "../support/helpers";
import { header, verifyCall } from "../support/signed-calls";

let project: TestProject;
beforeAll(async () => {
  project = await createProject("delivery");
});

async function create(body: Record<string, unknown>, key = project.key) {
  const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key, body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.payload;
}

async function attempts(taskId: string, count: number): Promise<Attempt[]> {
  return eventually(async () => {
    const res = await api<{ payload: { results: Attempt[] } }>(
      "GET",
      `/api/v1/tasks/${taskId}/executions`,
      { key: project.key },
    );
    return res.json.payload.results.length >= count ? res.json.payload.results : undefined;
  });
}

const finished = (t: Task) => t.state !== "active";

describe("retries", () => {
  it("fails twice then succeeds: three attempts of one occurrence, and the grid holds", async () => {
    const target = bucket();
    await target.program([{ status: 500 }, { status: 502 }]);
    const task = await create({
      url: target.url,
      schedule: { every: 500, occurrences: 2 },
      retry: { attempts: 3, backoff: 20 },
    });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done.state).toBe("completed");
    expect(done.executions).toEqual({ total: 2, succeeded: 2, failed: 0 });
    const calls = await target.calls();
    expect(calls.map((c) => header(c, "belfry-attempt"))).toEqual(["1", "2", "3", "1"]);
    const firstIds = new Set(calls.slice(0, 3).map((c) => header(c, "webhook-id")));
    expect(firstIds.size).toBe(1);
    expect(header(calls[3], "webhook-id")).not.toBe(header(calls[0], "webhook-id"));
    // The second occurrence keeps its grid point: retries did not shift it.
    const first = Date.parse(header(calls[0], "belfry-scheduled-at"));
    expect(Date.parse(header(calls[3], "belfry-scheduled-at")) - first).toBe(500);
    const history = await attempts(task.id, 4);
    const occurrence1 = history.filter((a) => a.number === 1).sort((a, b) => a.attempt - b.attempt);
    expect(occurrence1.map((a) => [a.attempt, a.status_code, a.successful, a.final])).toEqual([
      [1, 500, false, false],
      [2, 502, false, false],
      [3, 200, true, true],
    ]);
    expect(occurrence1[0]?.error).toBe("HTTP 500");
  });

  it("honours Retry-After on 429", async () => {
    const target = bucket();
    await target.program([{ status: 429, headers: { "retry-after": "2" } }]);
    const task = await create({
      url: target.url,
      schedule: { delay: 0 },
      retry: { attempts: 2, backoff: 10, max_backoff: "1m" },
    });
    const calls = await target.waitForCalls(2, 10_000);
    expect(calls).toHaveLength(2);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000);
    expect((await waitForTask<Task>(project.key, task.id, finished)).state).toBe("completed");
  });

  it("ends an attempt that gets no answer as a timeout at the configured time", async () => {
    const target = bucket();
    await target.program([{ delay_ms: 3000 }]);
    const task = await create({
      url: target.url,
      schedule: { delay: 0 },
      timeout: "300ms",
      retry: { attempts: 1 },
    });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done.state).toBe("failed");
    const [attempt] = await attempts(task.id, 1);
    expect(attempt?.status_code).toBeNull();
    expect(attempt?.error).toMatch(/^timeout/);
    expect(attempt?.duration_ms).toBeGreaterThanOrEqual(290);
    expect(attempt?.duration_ms).toBeLessThan(2500);
  });

  it("stops the task for good on 410 Gone", async () => {
    const target = bucket();
    await target.program([{ status: 410 }]);
    const task = await create({ url: target.url, schedule: { every: 50 } });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done).toMatchObject({ state: "failed", status: "error" });
    expect(done.message).toMatch(/410/);
    // Nothing is scheduled, and running the object's alarm now calls nothing either.
    expect(done.next_run_at).toBeNull();
    await runDurableObjectAlarm(taskObject(env, task.id));
    expect(await target.calls()).toHaveLength(1);
  });
});

describe("signatures", () => {
  it("verify with the standardwebhooks package, and fail with a wrong secret", async () => {
    const target = bucket();
    const task = await create({ url: target.url, body: { n: 1 }, schedule: { delay: 0 } });
    const [call] = await target.waitForCalls(1);
    expect(verifyCall(project.secret, call)).toEqual({ n: 1 });
    expect(header(call, "webhook-id")).toBeTruthy();
    const wrong = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    expect(() => verifyCall(wrong, call)).toThrow();
    expect((await waitForTask<Task>(project.key, task.id, finished)).state).toBe("completed");
  });

  it("carry both signatures for a day after a rotation", async () => {
    const own = await createProject("rotation");
    const rotated = await api<{
      payload: { signing_secret: string; previous_valid_until: string };
    }>("POST", `/api/v1/projects/${own.id}/signing-secret/rotate`, { key: ADMIN_TOKEN });
    expect(rotated.status).toBe(200);
    const { signing_secret, previous_valid_until } = rotated.json.payload;
    expect(Date.parse(previous_valid_until) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const target = bucket();
    await create({ url: target.url, body: { r: 1 }, schedule: { delay: 0 } }, own.key);
    const [call] = await target.waitForCalls(1);
    expect(header(call, "webhook-signature").split(" ")).toHaveLength(2);
    expect(verifyCall(signing_secret, call)).toEqual({ r: 1 });
    expect(verifyCall(own.secret, call)).toEqual({ r: 1 });
  });
});

describe("callbacks and events", () => {
  it("arrive signed and in order per occurrence", async () => {
    const target = bucket();
    const callbacks = bucket();
    const events = bucket();
    await target.program([{ status: 503 }, { status: 200, body: '{"done":true}' }]);
    const task = await create({
      url: target.url,
      schedule: { delay: 0 },
      retry: { attempts: 2, backoff: 10 },
      callback_url: callbacks.url,
      events_url: events.url,
    });
    const [callback] = await callbacks.waitForCalls(1);
    const payload = verifyCall(project.secret, callback) as Record<string, unknown>;
    expect(payload).toMatchObject({
      task_id: task.id,
      execution: { number: 1, attempts: 2, successful: true },
      response: { status_code: 200, body: { done: true } },
    });
    const received = await events.waitForCalls(7);
    const types = received.map((c) => (verifyCall(project.secret, c) as { type: string }).type);
    expect(types).toEqual([
      "job.started",
      "job.request",
      "job.response",
      "job.error",
      "job.request",
      "job.response",
      "job.finished",
    ]);
    const first = verifyCall(project.secret, received[0]) as Record<string, unknown>;
    expect(first).toMatchObject({ task_id: task.id, type: "job.started" });
    expect(first.execution_id).toBe(header((await target.calls())[0], "webhook-id"));
  });
});

describe("dynamic fields", () => {
  it("$previous carries the previous response; $state set by one response is sent next", async () => {
    const target = bucket();
    await target.program([
      { body: JSON.stringify({ next_cursor: "c2", $state: { page: 2 } }) },
      { body: JSON.stringify({ next_cursor: "c3" }) },
    ]);
    const task = await create({
      url: target.url,
      body: {
        cursor: "$previous.body.next_cursor",
        state: "$state",
        job: "$job.execution",
        literal: "price: $job",
      },
      schedule: { every: 100, occurrences: 3 },
    });
    await waitForTask<Task>(project.key, task.id, finished);
    const bodies = (await target.calls()).map((c) => JSON.parse(c.body) as unknown);
    expect(bodies).toEqual([
      { cursor: null, state: null, job: 1, literal: "price: $job" },
      { cursor: "c2", state: { page: 2 }, job: 2, literal: "price: $job" },
      { cursor: "c3", state: { page: 2 }, job: 3, literal: "price: $job" },
    ]);
  });
});

describe("idempotency", () => {
  it("two concurrent creates with one key give one task; a replay answers 200", async () => {
    const target = bucket();
    const body = { url: target.url, schedule: { delay: "1h" }, idempotency_key: "race-1" };
    const [a, b] = await Promise.all([
      api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body }),
      api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.json.payload.id).toBe(b.json.payload.id);
    const replay = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body,
    });
    expect(replay.status).toBe(200);
    expect(replay.json.payload.id).toBe(a.json.payload.id);
    // Another project using the same key gets its own task.
    const other = await createProject("other");
    const theirs = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key: other.key, body });
    expect(theirs.status).toBe(201);
    expect(theirs.json.payload.id).not.toBe(a.json.payload.id);
  });

  it("a replay answers with the first task even once its `at` has passed", async () => {
    const target = bucket();
    // Just inside the 5 s a past `at` is allowed, so the task fires at once; a moment later a
    // create with this `at` would be refused.
    const atMs = Date.now() - 4_500;
    const at = new Date(atMs).toISOString();
    const body = { url: target.url, schedule: { at }, idempotency_key: "replay-after-at" };
    const first = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body });
    expect(first.status).toBe(201);
    await waitForTask<Task>(project.key, first.json.payload.id, finished);
    const pastAllowance = atMs + 5_100 - Date.now();
    if (pastAllowance > 0) await new Promise((r) => setTimeout(r, pastAllowance));
    const fresh = await api("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, schedule: { at } },
    });
    expect(fresh.status).toBe(400);
    const replay = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body,
    });
    expect(replay.status).toBe(200);
    expect(replay.json.payload).toMatchObject({ id: first.json.payload.id, state: "completed" });
    expect(await target.calls()).toHaveLength(1);
  });

  it("a task re-created under a key after a delete starts with an empty history", async () => {
    const target = bucket();
    const body = { url: target.url, schedule: { delay: 0 }, idempotency_key: "recreate-1" };
    const first = await create(body);
    await attempts(first.id, 1);
    const deleted = await api("DELETE", `/api/v1/tasks/${first.id}`, { key: project.key });
    expect(deleted.status).toBe(200);
    const again = await create({ ...body, schedule: { delay: "1h" } });
    expect(again.id).toBe(first.id);
    expect(again.state).toBe("active");
    const history = await api<{ payload: { results: Attempt[] } }>(
      "GET",
      `/api/v1/tasks/${again.id}/executions`,
      { key: project.key },
    );
    expect(history.json.payload.results).toEqual([]);
  });

  it("a task re-created under a key after a delete keeps its callbacks in storage again", async () => {
    const target = bucket();
    const hook = bucket();
    const body = {
      url: target.url,
      schedule: { delay: 0 },
      idempotency_key: "recreate-3",
      callback_url: hook.url,
    };
    const first = await create(body);
    expect(await hook.waitForCalls(1)).toHaveLength(1);
    await api("DELETE", `/api/v1/tasks/${first.id}`, { key: project.key });
    // The same live object: its storage, the callbacks' table with it, was deleted.
    const again = await create(body);
    expect(again.id).toBe(first.id);
    const callbacks = await hook.waitForCalls(2);
    expect(callbacks).toHaveLength(2);
    expect(await target.calls()).toHaveLength(2);
  });

  it("a task re-created under a key after a delete signs its calls after a restart while D1 fails", async () => {
    const target = bucket();
    const body = { url: target.url, schedule: { delay: 0 }, idempotency_key: "recreate-2" };
    const first = await create(body);
    await attempts(first.id, 1);
    await api("DELETE", `/api/v1/tasks/${first.id}`, { key: project.key });
    const again = await create({ ...body, body: { again: true }, schedule: { delay: "1h" } });
    expect(again.id).toBe(first.id);
    // The object starts again, with D1 unreachable, and runs the task now: it signs with the
    // secrets the re-created task stored, without asking D1.
    const unreachable = new Proxy(env.DB, {
      get: (db, prop) =>
        prop === "prepare" || prop === "batch"
          ? () => {
              throw new Error("D1 unavailable");
            }
          : Reflect.get(db, prop).bind(db),
    });
    await runInDurableObject(taskObject(env, again.id), async (_instance, state) => {
      const restarted = new TaskObject(state, { ...env, DB: unreachable });
      expect((await restarted.run(project.id)).ok).toBe(true);
      await restarted.alarm();
    });
    const calls = await target.waitForCalls(2);
    expect(calls).toHaveLength(2);
    expect(verifyCall(project.secret, calls[1])).toEqual({ again: true });
  });
});
