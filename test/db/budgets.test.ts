// A project's budget usage and a task's capability-link access, read from the task index.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskDefinition } from "../../src/core/task-definition";
import type { TaskState } from "../../src/core/task-view";
import { projectUsage } from "../../src/db/budgets";
import { findTaskAccess } from "../../src/db/task-access";
import { upsertTask } from "../../src/db/task-index";
import { taskDefinition, taskSnapshot } from "../support/tasks";

const T0 = Date.UTC(2026, 0, 1);

async function index(
  projectId: string,
  state: TaskState,
  fields: Partial<TaskDefinition> = {},
  deletedAt: number | null = null,
): Promise<string> {
  const definition = taskDefinition(T0, { project_id: projectId, ...fields });
  await upsertTask(env.DB, {
    snapshot: taskSnapshot(definition, { state }),
    wake_at: null,
    deleted_at: deletedAt,
  });
  return definition.id;
}

const every = (ms: number): Partial<TaskDefinition> => ({
  schedule: { kind: "every", every: ms, createdAt: T0, misfire: "run_once" },
});

describe("projectUsage", () => {
  it("counts tasks in every state until deleted, and sums the calls of active and paused ones", async () => {
    const p = `project-${crypto.randomUUID()}`;
    const fast = await index(p, "active", every(1_000)); // 60 a minute
    await index(p, "paused", every(2_000)); // 30
    await index(p, "completed", every(100)); // finished: no calls
    await index(p, "active", every(100), T0); // deleted: not counted at all
    await index(p, "active", { schedule: { kind: "once", at: T0 + 1 } }); // 0
    expect(await projectUsage(env.DB, p, 100)).toEqual({
      tasks: 4,
      callsPerMinute: 90,
      taskCallsPerMinute: 0,
    });
    expect((await projectUsage(env.DB, p, 100, fast)).taskCallsPerMinute).toBe(60);
    // Another project's task is never this project's.
    const other = await index(`project-${crypto.randomUUID()}`, "active", every(1_000));
    expect((await projectUsage(env.DB, p, 100, other)).taskCallsPerMinute).toBe(0);
  });

  it("stops counting at the cap, so the cost never grows past the budget", async () => {
    const p = `project-${crypto.randomUUID()}`;
    for (let i = 0; i < 4; i++) await index(p, "active", every(1_000));
    expect(await projectUsage(env.DB, p, 2)).toMatchObject({ tasks: 2, callsPerMinute: 120 });
  });

  it("answers zeros for a project without tasks", async () => {
    expect(await projectUsage(env.DB, `project-${crypto.randomUUID()}`, 10)).toEqual({
      tasks: 0,
      callsPerMinute: 0,
      taskCallsPerMinute: 0,
    });
  });
});

describe("findTaskAccess", () => {
  it("answers a live task's project and access token, and nothing for a deleted or unknown one", async () => {
    const p = `project-${crypto.randomUUID()}`;
    const id = await index(p, "active", { access_token: "tok_123" });
    expect(await findTaskAccess(env.DB, id)).toEqual({ projectId: p, token: "tok_123" });
    const deleted = await index(p, "cancelled", { access_token: "tok_456" }, T0);
    expect(await findTaskAccess(env.DB, deleted)).toBeNull();
    expect(await findTaskAccess(env.DB, crypto.randomUUID())).toBeNull();
  });
});
