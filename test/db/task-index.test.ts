// The task index's queries against a real D1, without the routes or the task objects: each
// test writes its own rows under a project of its own.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskDefinition } from "../../src/core/task-definition";
import type { TaskProgress } from "../../src/core/task-view";
import { database } from "../../src/db/client";
import {
  correctWakeTimeStatement,
  findExpiredTasks,
  findIndexedTask,
  findOverdueTasks,
  listIndexedTasks,
  listLiveTaskIds,
  removeIndexedTaskStatement,
  upsertTask,
} from "../../src/db/task-index";
import { taskDefinition, taskSnapshot } from "../support/tasks";

const db = database(env.DB);
const T0 = Date.UTC(2026, 0, 1);

interface Row {
  definition?: Partial<TaskDefinition>;
  progress?: Partial<TaskProgress>;
  createdAt?: number;
  wakeAt?: number | null;
  deletedAt?: number | null;
}

/** Index one task of `projectId` as its object would, and answer its id. */
async function index(projectId: string, row: Row = {}): Promise<string> {
  const definition = taskDefinition(row.createdAt ?? T0, {
    project_id: projectId,
    ...row.definition,
  });
  const snapshot = taskSnapshot(definition, row.progress);
  await upsertTask(env.DB, {
    snapshot,
    wake_at: row.wakeAt === undefined ? snapshot.progress.next_run_at : row.wakeAt,
    deleted_at: row.deletedAt ?? null,
  });
  return definition.id;
}

const project = () => `project-${crypto.randomUUID()}`;

async function listed(projectId: string, query: Partial<Parameters<typeof listIndexedTasks>[1]>) {
  const rows = await listIndexedTasks(db, { projectId, limit: 50, ...query });
  return rows.map((r) => r.id);
}

describe("upsertTask", () => {
  it("keeps the newest version of a row: a late write of an older one changes nothing", async () => {
    const p = project();
    const definition = taskDefinition(T0, { project_id: p, name: "first" });
    const entry = (name: string, version: number) => ({
      snapshot: taskSnapshot({ ...definition, name }, { version }),
      wake_at: null,
      deleted_at: null,
    });
    await upsertTask(env.DB, entry("newer", 2));
    await upsertTask(env.DB, entry("older", 1));
    const [row] = await listIndexedTasks(db, { projectId: p, limit: 10 });
    expect(row?.snapshot.definition.name).toBe("newer");
    await upsertTask(env.DB, entry("newest", 3));
    const [again] = await listIndexedTasks(db, { projectId: p, limit: 10 });
    expect(again?.snapshot.definition.name).toBe("newest");
  });
});

describe("findIndexedTask", () => {
  it("finds a task only in its own project, deleted ones too, with its history shard", async () => {
    const p = project();
    const id = await index(p, { definition: { shard: 1 }, deletedAt: T0 + 5 });
    expect(await findIndexedTask(db, p, id)).toEqual({
      id,
      deletedAt: T0 + 5,
      createdAt: T0,
      shard: 1,
    });
    expect(await findIndexedTask(db, project(), id)).toBeNull();
    expect(await findIndexedTask(db, p, crypto.randomUUID())).toBeNull();
  });
});

describe("listIndexedTasks", () => {
  it("lists newest first, ties by id, and pages by keyset with one row more than asked", async () => {
    const p = project();
    const older = await index(p, { createdAt: T0 });
    const tied = [await index(p, { createdAt: T0 + 1 }), await index(p, { createdAt: T0 + 1 })];
    const newest = await index(p, { createdAt: T0 + 2 });
    const expected = [newest, ...tied.sort().reverse(), older];

    expect(await listed(p, {})).toEqual(expected);
    // One more than the limit tells the caller a next page exists.
    expect(await listed(p, { limit: 2 })).toEqual(expected.slice(0, 3));
    const [, second] = expected;
    expect(await listed(p, { after: { createdAt: T0 + 1, id: second ?? "" } })).toEqual(
      expected.slice(2),
    );
  });

  it("filters by state and leaves out deleted tasks", async () => {
    const p = project();
    const active = await index(p);
    const paused = await index(p, { progress: { state: "paused" } });
    await index(p, { progress: { state: "cancelled" }, deletedAt: T0 });
    expect((await listed(p, {})).sort()).toEqual([active, paused].sort());
    expect(await listed(p, { states: ["paused", "completed"] })).toEqual([paused]);
  });

  it("matches a name prefix literally: _ and % are not wildcards", async () => {
    const p = project();
    const exact = await index(p, { definition: { name: "nightly_%report" } });
    await index(p, { definition: { name: "nightlyX%report" } });
    await index(p, { definition: { name: "nightly_Xreport" } });
    await index(p, { definition: { name: "weekly" } });
    expect(await listed(p, { namePrefix: "nightly_%" })).toEqual([exact]);
    expect(await listed(p, { namePrefix: "nightly" })).toHaveLength(3);
  });
});

// The sweeper's queries read the whole index; rows of other tests are real times of today, so
// these use instants in 1970 that only their own rows can have.
describe("findOverdueTasks", () => {
  it("answers active tasks overdue beyond the grace, most overdue first", async () => {
    const p = project();
    const mostOverdue = await index(p, { wakeAt: 100 });
    const overdue = await index(p, { wakeAt: 200 });
    await index(p, { wakeAt: 950 }); // within the grace
    await index(p, { wakeAt: 100, progress: { state: "paused" } });
    await index(p, { wakeAt: 100, deletedAt: 500 });
    const found = await findOverdueTasks(db, 1_000, 100, 10);
    expect(found.map((r) => r.id)).toEqual([mostOverdue, overdue]);
    expect(found.map((r) => r.nextRunAt)).toEqual([100, 200]);
    expect(await findOverdueTasks(db, 1_000, 100, 1)).toHaveLength(1);
  });
});

describe("findExpiredTasks", () => {
  it("answers finished tasks past their expiry, deleted ones included", async () => {
    const p = project();
    const completed = await index(p, { wakeAt: 10, progress: { state: "completed" } });
    const deleted = await index(p, {
      wakeAt: 20,
      progress: { state: "cancelled" },
      deletedAt: 5,
    });
    await index(p, { wakeAt: 30 }); // active: its wake time is a call, not an expiry
    await index(p, { wakeAt: 5_000, progress: { state: "failed" } }); // not expired yet
    const found = await findExpiredTasks(db, 1_000, 100);
    expect(found.map((r) => r.id).sort()).toEqual([completed, deleted].sort());
  });
});

describe("correctWakeTimeStatement and removeIndexedTaskStatement", () => {
  it("rewrite a row's wake time, and remove the row for good", async () => {
    const p = project();
    const id = await index(p, { wakeAt: 300 });
    await correctWakeTimeStatement(env.DB, id, 5_000).run();
    expect((await findOverdueTasks(db, 1_000, 0, 100)).map((r) => r.id)).not.toContain(id);
    await correctWakeTimeStatement(env.DB, id, 400).run();
    expect((await findOverdueTasks(db, 1_000, 0, 100)).map((r) => r.id)).toContain(id);
    await removeIndexedTaskStatement(env.DB, id).run();
    expect(await findIndexedTask(db, p, id)).toBeNull();
  });
});

describe("listLiveTaskIds", () => {
  it("pages a project's active and paused task ids in id order", async () => {
    const p = project();
    const live = [
      await index(p),
      await index(p, { progress: { state: "paused" } }),
      await index(p),
    ].sort();
    await index(p, { progress: { state: "completed" } });
    await index(project());
    expect(await listLiveTaskIds(env.DB, p, "", 10)).toEqual(live);
    expect(await listLiveTaskIds(env.DB, p, "", 2)).toEqual(live.slice(0, 2));
    expect(await listLiveTaskIds(env.DB, p, live[1] ?? "", 10)).toEqual(live.slice(2));
  });
});
