import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import { taskObject } from "../../src/task-address";
import { api, bucket, createProject, waitForTask } from "../support/helpers";

const stubOf = (id: string) => taskObject(env, id);

describe("pause_after_failures", () => {
  it("pauses the task after exactly that many failed occurrences; resume starts the count afresh", async () => {
    const { key } = await createProject("failure-policy");
    const target = bucket();
    await target.program(Array.from({ length: 10 }, () => ({ status: 500 })));
    const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key,
      body: {
        url: target.url,
        schedule: { every: 100 },
        retry: { attempts: 1 },
        pause_after_failures: 3,
      },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.payload).toMatchObject({
      pause_after_failures: 3,
      consecutive_failures: 0,
      paused_reason: null,
    });
    const id = res.json.payload.id;
    const paused = await waitForTask<Task>(key, id, (t) => t.state !== "active");
    expect(paused).toMatchObject({
      state: "paused",
      paused_reason: "failures",
      consecutive_failures: 3,
      executions: { total: 3, succeeded: 0, failed: 3 },
    });
    expect(paused.message).toMatch(/3 failed executions in a row/);
    // Exactly three calls, and the paused task makes no more, even when its alarm runs.
    await runDurableObjectAlarm(stubOf(id));
    expect(await target.calls()).toHaveLength(3);

    const resumed = await api<{ payload: Task }>("POST", `/api/v1/tasks/${id}/resume`, { key });
    expect(resumed.json.payload).toMatchObject({
      state: "active",
      paused_reason: null,
      consecutive_failures: 0,
    });
    // Three more failures in a row pause it again.
    const again = await waitForTask<Task>(key, id, (t) => t.state !== "active");
    expect(again).toMatchObject({ state: "paused", consecutive_failures: 3 });
    expect(await target.calls()).toHaveLength(6);
  });

  it("a user's pause says user; patch sets and clears the policy", async () => {
    const { key } = await createProject("failure-policy-patch");
    const target = bucket();
    const created = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key,
      body: { url: target.url, schedule: { every: "1h" } },
    });
    const id = created.json.payload.id;
    expect(created.json.payload.pause_after_failures).toBeNull();
    const patched = await api<{ payload: Task }>("PATCH", `/api/v1/tasks/${id}`, {
      key,
      body: { pause_after_failures: 5 },
    });
    expect(patched.json.payload.pause_after_failures).toBe(5);
    const cleared = await api<{ payload: Task }>("PATCH", `/api/v1/tasks/${id}`, {
      key,
      body: { pause_after_failures: null },
    });
    expect(cleared.json.payload.pause_after_failures).toBeNull();
    const paused = await api<{ payload: Task }>("POST", `/api/v1/tasks/${id}/pause`, { key });
    expect(paused.json.payload).toMatchObject({ state: "paused", paused_reason: "user" });
  });

  it("refuses a bound outside 1–1000, naming the field", async () => {
    const { key } = await createProject("failure-policy-invalid");
    for (const value of [0, 1001, 2.5, "3"]) {
      const res = await api<{ error: { message: string } }>("POST", "/api/v1/tasks", {
        key,
        body: { url: bucket().url, schedule: { every: "1h" }, pause_after_failures: value },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/^pause_after_failures: /);
    }
  });
});
