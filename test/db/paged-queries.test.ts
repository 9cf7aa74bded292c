// The page/offset queries of the Chronos and Booper dialects against a real D1.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskProgress } from "../../src/core/task-view";
import { database } from "../../src/db/client";
import { MAX_OFFSET, pageTasks } from "../../src/db/paged-queries";
import { upsertTask } from "../../src/db/task-index";
import { taskDefinition, taskSnapshot } from "../support/tasks";

const db = database(env.DB);
const T0 = Date.UTC(2026, 0, 1);

/** Index `count` tasks of `projectId`, one millisecond apart; answers their ids, newest first. */
async function indexTasks(projectId: string, count: number, progress: Partial<TaskProgress> = {}) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const definition = taskDefinition(T0 + i, { project_id: projectId });
    await upsertTask(env.DB, {
      snapshot: taskSnapshot(definition, progress),
      wake_at: null,
      deleted_at: null,
    });
    ids.push(definition.id);
  }
  return ids.reverse();
}

const project = () => `project-${crypto.randomUUID()}`;

const idsOf = (page: Awaited<ReturnType<typeof pageTasks>>) =>
  page.results.map((s) => s.definition.id);

describe("pageTasks", () => {
  it("answers a window of tasks, newest first, with the total of all that match", async () => {
    const projectId = project();
    const newestFirst = await indexTasks(projectId, 5);
    const first = await pageTasks(db, { projectId, limit: 2, offset: 0 });
    expect(first.total).toBe(5);
    expect(idsOf(first)).toEqual(newestFirst.slice(0, 2));
    const last = await pageTasks(db, { projectId, limit: 2, offset: 4 });
    expect(idsOf(last)).toEqual(newestFirst.slice(4));
    expect(await pageTasks(db, { projectId, limit: 2, offset: 9 })).toEqual({
      total: 5,
      results: [],
    });
  });

  it("counts and lists only the states asked for", async () => {
    const projectId = project();
    await indexTasks(projectId, 2);
    const paused = await indexTasks(projectId, 1, { state: "paused" });
    const page = await pageTasks(db, { projectId, limit: 5, offset: 0, states: ["paused"] });
    expect({ total: page.total, ids: idsOf(page) }).toEqual({ total: 1, ids: paused });
    const both = await pageTasks(db, {
      projectId,
      limit: 5,
      offset: 0,
      states: ["active", "paused"],
    });
    expect(both.total).toBe(3);
    expect(
      (await pageTasks(db, { projectId, limit: 5, offset: 0, states: ["failed"] })).total,
    ).toBe(0);
  });

  it("refuses a window callers should have refused: it is a bug, not a user mistake", async () => {
    const projectId = "any";
    await expect(pageTasks(db, { projectId, limit: 0, offset: 0 })).rejects.toThrow(RangeError);
    await expect(pageTasks(db, { projectId, limit: 1, offset: -1 })).rejects.toThrow(RangeError);
    await expect(pageTasks(db, { projectId, limit: 1, offset: MAX_OFFSET + 1 })).rejects.toThrow(
      `beyond ${MAX_OFFSET}`,
    );
  });
});
