import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import { api, bucket, createProject, type TestProject, waitForTask } from "../support/helpers";

let project: TestProject;
beforeAll(async () => {
  project = await createProject("schedules");
});

async function create(body: Record<string, unknown>) {
  const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.payload;
}

const finished = (t: Task) => t.state !== "active";

describe("each schedule form sends the right request the right number of times", () => {
  it("every + occurrences: method, query, headers, body and Belfry headers, then completed", async () => {
    const target = bucket();
    const task = await create({
      name: "every-three",
      url: `${target.url}?fixed=1`,
      method: "put",
      headers: { "X-Custom": "yes" },
      query: { source: "belfry" },
      body: { hello: "world" },
      schedule: { every: 100, occurrences: 3 },
    });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done).toMatchObject({ state: "completed", status: "completed", progress: 100 });
    expect(done.executions).toEqual({ total: 3, succeeded: 3, failed: 0 });
    const calls = await target.calls();
    expect(calls).toHaveLength(3);
    for (const [i, call] of calls.entries()) {
      expect(call.method).toBe("PUT");
      expect(call.query).toEqual({ fixed: "1", source: "belfry" });
      expect(call.headers["x-custom"]).toBe("yes");
      expect(call.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(call.body)).toEqual({ hello: "world" });
      expect(call.headers["belfry-task-id"]).toBe(task.id);
      expect(call.headers["belfry-task-name"]).toBe("every-three");
      expect(call.headers["belfry-execution"]).toBe(String(i + 1));
      expect(call.headers["belfry-attempt"]).toBe("1");
      expect(call.headers["webhook-id"]).toBeTruthy();
      expect(call.headers["webhook-signature"]).toMatch(/^v1,/);
      expect(call.headers["user-agent"]).toMatch(/^Belfry\//);
    }
    // The grid is anchored at the create: points 100 ms apart, each call at or after its point.
    const points = calls.map((c) => Date.parse(c.headers["belfry-scheduled-at"] ?? ""));
    const [p0 = 0, p1 = 0, p2 = 0] = points;
    expect([p1 - p0, p2 - p1]).toEqual([100, 100]);
    for (const [i, call] of calls.entries()) expect(call.at).toBeGreaterThanOrEqual(points[i] ?? 0);
  });

  it("delay: one call, then completed", async () => {
    const target = bucket();
    const task = await create({ url: target.url, method: "GET", schedule: { delay: "50ms" } });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done).toMatchObject({ state: "completed", progress: 100 });
    const calls = await target.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe("GET");
    expect(calls[0]?.body).toBe("");
  });

  it("at: one call no earlier than the instant", async () => {
    const target = bucket();
    const at = new Date(Date.now() + 300).toISOString();
    const task = await create({ url: target.url, body: "plain text", schedule: { at } });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done.state).toBe("completed");
    const [call] = await target.calls();
    expect(call?.at).toBeGreaterThanOrEqual(Date.parse(at));
    expect(call?.method).toBe("POST");
    expect(call?.body).toBe("plain text");
    expect(call?.headers["content-type"]).toBe("text/plain");
  });

  it("cron with seconds: fires on whole seconds, occurrences bound it", async () => {
    const target = bucket();
    const task = await create({
      url: target.url,
      schedule: { cron: "* * * * * *", timezone: "Europe/Berlin", occurrences: 2 },
    });
    const done = await waitForTask<Task>(project.key, task.id, finished, 5_000);
    expect(done.state).toBe("completed");
    const calls = await target.calls();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(Date.parse(call.headers["belfry-scheduled-at"] ?? "") % 1000).toBe(0);
    }
  });

  it("a one-time task whose call fails after all retries ends failed (status error)", async () => {
    const target = bucket();
    await target.program([{ status: 500 }, { status: 500 }]);
    const task = await create({
      url: target.url,
      schedule: { delay: 0 },
      retry: { attempts: 2, backoff: 10 },
    });
    const done = await waitForTask<Task>(project.key, task.id, finished);
    expect(done).toMatchObject({ state: "failed", status: "error" });
    expect(await target.calls()).toHaveLength(2);
  });
});
