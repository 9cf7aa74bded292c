import { describe, expect, it } from "vitest";
import type { AttemptView as Attempt } from "../../src/core/history";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ReplayedExecutionView as Replayed } from "../../src/wire/answers";
import { api, bucket, createProject, eventually, waitForTask } from "../support/helpers";
import { verifyCall } from "../support/signed-calls";
import { create } from "../support/task-list";

async function history(key: string, id: string, count: number): Promise<Attempt[]> {
  return eventually(async () => {
    const res = await api<{ payload: { results: Attempt[] } }>(
      "GET",
      `/api/v1/tasks/${id}/executions`,
      { key },
    );
    return res.json.payload.results.length >= count ? res.json.payload.results : undefined;
  }, 15_000);
}

describe("replay", () => {
  it("sends the failed execution's request again, signed, with a new webhook-id and Belfry-Replay-Of, recorded; on a failed task too", async () => {
    const project = await createProject("replay");
    const target = bucket();
    await target.program([{ status: 500 }]);
    const task = await create(project, {
      url: `${target.url}/path?x=1`,
      method: "PUT",
      headers: { "X-Key": "v" },
      query: { source: "belfry" },
      body: { hello: "again" },
      schedule: { delay: 0 },
      retry: { attempts: 1 },
    });
    const failed = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active");
    expect(failed.state).toBe("failed");
    const [original] = await history(project.key, task.id, 1);
    const executionId = original?.execution_id ?? "";

    const res = await api<{ payload: Replayed }>(
      "POST",
      `/api/v1/tasks/${task.id}/executions/${executionId}/replay`,
      { key: project.key },
    );
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const replayed = res.json.payload;
    expect(replayed).toMatchObject({ task_id: task.id, number: 2, replay_of: executionId });
    expect(replayed.execution_id).not.toBe(executionId);

    const [first, second] = await target.waitForCalls(2);
    expect(second).toBeDefined();
    expect(second?.method).toBe("PUT");
    expect(second?.path).toBe(first?.path);
    expect(second?.query).toEqual({ x: "1", source: "belfry" });
    expect(second?.body).toBe(first?.body);
    expect(second?.headers["x-key"]).toBe("v");
    expect(second?.headers["belfry-replay-of"]).toBe(executionId);
    expect(first?.headers["belfry-replay-of"]).toBeUndefined();
    expect(second?.headers["webhook-id"]).toBe(replayed.execution_id);
    expect(second?.headers["webhook-id"]).not.toBe(first?.headers["webhook-id"]);
    expect(verifyCall(project.secret, second)).toEqual({ hello: "again" });

    // Recorded in the task's history; the task stays failed.
    const after = await history(project.key, task.id, 2);
    expect(after[0]).toMatchObject({
      execution_id: replayed.execution_id,
      number: 2,
      successful: true,
      status_code: 200,
    });
    const read = await api<{ payload: Task }>("GET", `/api/v1/tasks/${task.id}`, {
      key: project.key,
    });
    expect(read.json.payload.state).toBe("failed");
  });

  it("a failing replay is one call, never retried", async () => {
    const project = await createProject("replay-once");
    const target = bucket();
    const task = await create(project, {
      url: target.url,
      schedule: { delay: 0 },
      retry: { attempts: 3, backoff: 10 },
    });
    await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active");
    const [original] = await history(project.key, task.id, 1);
    await target.program([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const res = await api(
      "POST",
      `/api/v1/tasks/${task.id}/executions/${original?.execution_id}/replay`,
      {
        key: project.key,
      },
    );
    expect(res.status).toBe(202);
    const after = await history(project.key, task.id, 2);
    // Recorded as its execution's final attempt: no retry was queued after it.
    expect(after[0]).toMatchObject({
      number: 2,
      attempt: 1,
      successful: false,
      status_code: 500,
      final: true,
    });
    expect(await target.calls()).toHaveLength(2);
  });

  it("404 for an unknown execution or another project's task; 409 when the request is not kept", async () => {
    const project = await createProject("replay-refused");
    const other = await createProject("replay-refused-other");
    const target = bucket();
    const task = await create(project, {
      url: target.url,
      body: { page: "$previous.body.next" },
      schedule: { every: "1h", begins: new Date(Date.now() + 200).toISOString() },
    });
    await target.waitForCalls(1);
    const [original] = await history(project.key, task.id, 1);
    const path = `/api/v1/tasks/${task.id}/executions/${original?.execution_id}/replay`;

    const dynamic = await api<{ error: { code: string; message: string } }>("POST", path, {
      key: project.key,
    });
    expect(dynamic.status).toBe(409);
    expect(dynamic.json.error.message).toMatch(/dynamic fields/);

    await api("PATCH", `/api/v1/tasks/${task.id}`, { key: project.key, body: { body: { a: 1 } } });
    const changed = await api<{ error: { message: string } }>("POST", path, { key: project.key });
    expect(changed.status).toBe(409);
    expect(changed.json.error.message).toMatch(/changed after this execution/);

    const unknown = await api(
      "POST",
      `/api/v1/tasks/${task.id}/executions/${task.id}-nope/replay`,
      { key: project.key },
    );
    expect(unknown.status).toBe(404);
    expect((await api("POST", path, { key: other.key })).status).toBe(404);
    // Nothing was sent again.
    expect(await target.calls()).toHaveLength(1);
  });
});
