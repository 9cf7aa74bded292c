import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, createProject, type TestProject } from "../support/helpers";

// Runs in the "policy" test project, which sets small limits in its bindings:
// MAX_BODY_BYTES 4096, MAX_HEADERS 3, MAX_HEADER_BYTES 64, MAX_TASKS 3, MAX_CALLS_PER_MINUTE 150.

const schedule = { at: "2099-01-01T00:00:00Z" };
/** A recurring schedule that starts far ahead: it counts against the budget, and never fires here. */
const later = (spec: Record<string, unknown>) => ({ ...spec, begins: "2099-01-01T00:00:00Z" });
const target = "https://example.com/hook";

function create(project: TestProject, body: Record<string, unknown> = {}) {
  return api<ErrorEnvelope & { payload: Task }>("POST", "/api/v1/tasks", {
    key: project.key,
    body: { url: target, schedule, ...body },
  });
}

async function listIds(project: TestProject, state: string): Promise<string[]> {
  const res = await api<{ payload: { results: Task[] } }>(
    "GET",
    `/api/v1/tasks?state=${state}&limit=100`,
    { key: project.key },
  );
  return res.json.payload.results.map((t) => t.id);
}

describe("limits follow the configuration", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("configured-limits");
  });

  it("MAX_BODY_BYTES", async () => {
    const res = await create(project, { body: "x".repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.json.error.message).toBe("body: must be at most 4096 bytes");
  });

  it("MAX_HEADERS and MAX_HEADER_BYTES", async () => {
    const four = { "X-A": "1", "X-B": "2", "X-C": "3", "X-D": "4" };
    const tooMany = await create(project, { headers: four });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.message).toBe("headers: at most 3 headers are allowed");
    const tooBig = await create(project, { headers: { "X-A": "v".repeat(62) } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.error.message).toBe("headers.X-A: must be at most 64 bytes");
  });
});

describe("MAX_TASKS: tasks in any state per project, until deleted", () => {
  let full: TestProject;
  let first: Task;
  let second: Task;
  let third: Task;
  beforeAll(async () => {
    full = await createProject("budget-tasks");
    first = (await create(full, { idempotency_key: "first" })).json.payload;
    second = (await create(full)).json.payload;
    third = (await create(full)).json.payload;
    // Paused and cancelled tasks still count: a finished task holds storage until it is deleted.
    expect((await api("POST", `/api/v1/tasks/${second.id}/pause`, { key: full.key })).status).toBe(
      200,
    );
    expect((await api("POST", `/api/v1/tasks/${third.id}/cancel`, { key: full.key })).status).toBe(
      200,
    );
  });

  it("a create beyond the budget is a 409 naming MAX_TASKS that creates nothing", async () => {
    const res = await create(full, { name: "one too many" });
    expect(res.status).toBe(409);
    const message =
      "the project has 3 tasks, the most allowed; tasks count in every state until deleted, " +
      "so delete some first";
    expect(res.json).toEqual({
      status: "error",
      error: {
        code: "conflict",
        message: `MAX_TASKS: ${message}`,
        details: [{ path: "MAX_TASKS", message }],
      },
    });
    expect(await listIds(full, "active,paused,cancelled")).toHaveLength(3);
  });

  it("replaying the idempotency key of an existing task still answers it", async () => {
    const replay = await create(full, { idempotency_key: "first" });
    expect(replay.status).toBe(200);
    expect(replay.json.payload.id).toBe(first.id);
    expect((await create(full, { idempotency_key: "new" })).status).toBe(409);
  });

  it("another project is not affected", async () => {
    const other = await createProject("budget-tasks-other");
    expect((await create(other)).status).toBe(201);
  });

  it("deleting a task, finished or not, makes room for one more", async () => {
    expect((await api("DELETE", `/api/v1/tasks/${third.id}`, { key: full.key })).status).toBe(200);
    expect((await create(full)).status).toBe(201);
    expect((await create(full)).status).toBe(409);
    expect((await api("DELETE", `/api/v1/tasks/${second.id}`, { key: full.key })).status).toBe(200);
    expect((await create(full)).status).toBe(201);
    expect((await create(full)).status).toBe(409);
  });
});

describe("MAX_CALLS_PER_MINUTE: the calls per minute of a project's schedules", () => {
  const budgetError = (current: number, added: number) => {
    const message =
      `the project's schedules make ${current} calls per minute; this one adds ${added}, ` +
      "past the 150 allowed";
    return {
      status: "error",
      error: {
        code: "conflict",
        message: `MAX_CALLS_PER_MINUTE: ${message}`,
        details: [{ path: "MAX_CALLS_PER_MINUTE", message }],
      },
    };
  };

  it("every, cron with seconds and one-time schedules count by their busiest minute", async () => {
    const project = await createProject("budget-calls");
    // 60 calls a minute, then a cron on 30 seconds of each minute, then 60 more: 150 of 150.
    expect((await create(project, { schedule: later({ every: "1s" }) })).status).toBe(201);
    expect((await create(project, { schedule: later({ cron: "*/2 * * * * *" }) })).status).toBe(
      201,
    );
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(201);

    const other = await createProject("budget-calls-over");
    expect((await create(other, { schedule: later({ every: 1_000 }) })).status).toBe(201);
    expect((await create(other, { schedule: later({ every: 1_000 }) })).status).toBe(201);
    const over = await create(other, { schedule: later({ cron: "* * * * * *" }) });
    expect(over.status).toBe(409);
    expect(over.json).toEqual(budgetError(120, 60));
    // A one-time task makes no recurring calls.
    expect((await create(other, { schedule: { delay: "1h" } })).status).toBe(201);
  });

  it("a 5-field cron counts one call a minute", async () => {
    const project = await createProject("budget-calls-cron");
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(201);
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(201);
    expect((await create(project, { schedule: later({ cron: "* * * * *" }) })).status).toBe(201);
  });

  it("a patch to a busier schedule is refused naming the budget; a calmer one is allowed", async () => {
    const project = await createProject("budget-calls-patch");
    const first = await create(project, { schedule: later({ every: 1_000 }) });
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(201);
    const slow = await create(project, { schedule: later({ every: 4_000 }) });
    expect(first.status).toBe(201);
    expect(slow.status).toBe(201);
    const patch = (id: string, every: number) =>
      api<ErrorEnvelope>("PATCH", `/api/v1/tasks/${id}`, {
        key: project.key,
        body: { schedule: later({ every }) },
      });
    const faster = await patch(slow.json.payload.id, 1_000);
    expect(faster.status).toBe(409);
    expect(faster.json).toEqual(budgetError(120, 60));
    expect((await patch(first.json.payload.id, 2_000)).status).toBe(200);
    // Now 30 + 60 others: the patch refused before fits exactly.
    expect((await patch(slow.json.payload.id, 1_000)).status).toBe(200);
  });

  it("a cancelled task no longer counts", async () => {
    const project = await createProject("budget-calls-cancel");
    const first = await create(project, { schedule: later({ every: 1_000 }) });
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(201);
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(409);
    const cancel = `/api/v1/tasks/${first.json.payload.id}/cancel`;
    expect((await api("POST", cancel, { key: project.key })).status).toBe(200);
    expect((await create(project, { schedule: later({ every: 1_000 }) })).status).toBe(201);
  });
});
