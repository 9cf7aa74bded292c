import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/core/alerts";
import type { TaskView as Task } from "../../src/core/task-view";
import { taskObject } from "../../src/task-address";
import { api, bucket, createProject, type TestProject, waitForTask } from "../support/helpers";
import type { ReceivedCall } from "../support/receiver-types";
import { verifyCall } from "../support/signed-calls";
import { create } from "../support/task-list";

const stubOf = (id: string) => taskObject(env, id);

/** A received alert, verified with the project's signing secret as its receiver would. */
const verified = (project: TestProject, call: ReceivedCall) =>
  verifyCall(project.secret, call) as Alert;

async function setAlerts(project: TestProject, body: unknown) {
  return api<{ payload: { url: string; events: string[] } }>("PUT", "/api/v1/alerts", {
    key: project.key,
    body,
  });
}

/** Alerts still waiting in the task's storage. */
async function waiting(id: string): Promise<number> {
  return runInDurableObject(stubOf(id), (_instance, state) => {
    const exists = state.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'notifications'")
      .one().n;
    if (!exists) return 0;
    return state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM notifications").one().n;
  });
}

/** Make every waiting delivery due now and run the task's alarm, until none waits. */
async function deliverAll(id: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await waiting(id)) > 0 && Date.now() < deadline) {
    await runInDurableObject(stubOf(id), (_instance, state) => {
      state.storage.sql.exec("UPDATE notifications SET next_at = 0");
    });
    await runDurableObjectAlarm(stubOf(id));
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the alert destination", () => {
  it("is set, read and removed per project; another project sees none", async () => {
    const project = await createProject("alerts-crud");
    const other = await createProject("alerts-other");
    const destination = bucket();
    expect((await api("GET", "/api/v1/alerts", { key: project.key })).status).toBe(404);

    const set = await setAlerts(project, { url: destination.url });
    expect(set.status).toBe(200);
    expect(set.json.payload).toEqual({
      url: destination.url,
      events: ["occurrence.failed", "task.paused", "task.recovered", "task.failed"],
    });
    const some = await setAlerts(project, { url: destination.url, events: ["task.paused"] });
    expect(some.json.payload.events).toEqual(["task.paused"]);
    const read = await api<{ payload: unknown }>("GET", "/api/v1/alerts", { key: project.key });
    expect(read.json.payload).toEqual({ url: destination.url, events: ["task.paused"] });
    expect((await api("GET", "/api/v1/alerts", { key: other.key })).status).toBe(404);

    const removed = await api<{ payload: unknown }>("DELETE", "/api/v1/alerts", {
      key: project.key,
    });
    expect(removed.json.payload).toEqual({ removed: true });
    expect((await api("GET", "/api/v1/alerts", { key: project.key })).status).toBe(404);
    const again = await api<{ payload: unknown }>("DELETE", "/api/v1/alerts", {
      key: project.key,
    });
    expect(again.json.payload).toEqual({ removed: false });
  });

  it("refuses a bad URL, an unknown or repeated event and unknown fields, naming the field", async () => {
    const project = await createProject("alerts-invalid");
    const cases: [unknown, RegExp][] = [
      [{ url: "ftp://example.com/x" }, /^url: /],
      [{ url: "https://user:pw@example.com/x" }, /^url: /],
      [{ url: "https://example.com/x", events: ["task.exploded"] }, /^events\.0: /],
      [{ url: "https://example.com/x", events: [] }, /^events: /],
      [{ url: "https://example.com/x", events: ["task.paused", "task.paused"] }, /^events: /],
      [{ url: "https://example.com/x", extra: 1 }, /extra/],
      [{}, /^url: /],
    ];
    for (const [body, message] of cases) {
      const res = await api<{ error: { message: string } }>("PUT", "/api/v1/alerts", {
        key: project.key,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message).toMatch(message);
    }
    expect((await api("PUT", "/api/v1/alerts", { body: {} })).status).toBe(401);
  });
});

describe("alerts", () => {
  it("arrive signed and in order after a destination that failed recovers: failures, the pause, the recovery", async () => {
    const project = await createProject("alerts-delivery");
    const destination = bucket();
    // The destination is down for its first three deliveries.
    await destination.program([{ status: 500 }, { status: 503 }, { delay_ms: 15_000 }]);
    const target = bucket();
    await target.program([{ status: 200 }, { status: 500 }, { status: 502 }]);
    const task = await create(project, {
      name: "nightly",
      url: target.url,
      schedule: { every: 1_000 },
      retry: { attempts: 1 },
      pause_after_failures: 2,
    });
    // The task has made a call, holding the project's settings from before the destination
    // was set: the set tells it at once (it would otherwise look again only after a minute).
    await target.waitForCalls(1);
    expect((await setAlerts(project, { url: destination.url })).status).toBe(200);

    const paused = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active");
    expect(paused).toMatchObject({ state: "paused", paused_reason: "failures" });
    await deliverAll(task.id);
    expect(await waiting(task.id)).toBe(0);

    // Resumed with the target fixed: the next success is a recovery.
    await api("POST", `/api/v1/tasks/${task.id}/resume`, { key: project.key });
    await target.waitForCalls(4);
    await api("POST", `/api/v1/tasks/${task.id}/pause`, { key: project.key });
    await deliverAll(task.id);

    const calls = await destination.calls();
    // Three failed deliveries, then each alert once (a retried one keeps its webhook-id).
    const answered = calls.slice(3);
    const alerts = answered.map((call) => verified(project, call));
    expect(alerts.map((a) => a.type)).toEqual([
      "occurrence.failed",
      "occurrence.failed",
      "task.paused",
      "task.recovered",
    ]);
    expect(new Set(calls.map((c) => c.headers["webhook-id"])).size).toBe(4);
    const [first, second, pause, recovery] = alerts;
    expect(first).toMatchObject({
      task: { id: task.id, name: "nightly" },
      data: { status_code: 500, error: "HTTP 500", consecutive_failures: 1 },
    });
    expect(second?.data).toEqual({ status_code: 502, error: "HTTP 502", consecutive_failures: 2 });
    expect(pause?.execution_id).toBe(second?.execution_id);
    expect(pause?.data.consecutive_failures).toBe(2);
    expect(recovery?.data).toMatchObject({
      status_code: 200,
      error: null,
      consecutive_failures: 0,
    });
    // The execution ids are those of the calls the target got.
    const targetCalls = await target.calls();
    expect(first?.execution_id).toBe(targetCalls[1]?.headers["webhook-id"]);
    expect(recovery?.execution_id).toBe(targetCalls[3]?.headers["webhook-id"]);
  });

  it("task.failed when 410 Gone ends the task; only the events subscribed to are sent", async () => {
    const project = await createProject("alerts-gone");
    const destination = bucket();
    await setAlerts(project, { url: destination.url, events: ["task.failed"] });
    const target = bucket();
    await target.program([{ status: 410 }]);
    const task = await create(project, { url: target.url, schedule: { every: 100 } });
    const done = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active");
    expect(done.state).toBe("failed");
    const [call, ...more] = await destination.waitForCalls(1);
    expect(more).toEqual([]);
    expect(call && verified(project, call)).toMatchObject({
      type: "task.failed",
      task: { id: task.id, name: null, labels: {} },
      data: { status_code: 410, consecutive_failures: 1 },
    });
  });

  it("none are raised without a destination, nor after it is removed", async () => {
    const project = await createProject("alerts-removed");
    const destination = bucket();
    await setAlerts(project, { url: destination.url });
    await api("DELETE", "/api/v1/alerts", { key: project.key });
    const target = bucket();
    await target.program([{ status: 500 }]);
    const task = await create(project, {
      url: target.url,
      schedule: { delay: 0 },
      retry: { attempts: 1 },
    });
    expect((await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active")).state).toBe(
      "failed",
    );
    expect(await waiting(task.id)).toBe(0);
    expect(await destination.calls()).toEqual([]);
  });
});
