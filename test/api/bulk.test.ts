import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { tasksBulk } from "../../cli/commands/tasks-bulk";
import { CliError } from "../../cli/output";
import type { TaskView as Task } from "../../src/core/task-view";
import { bulkTaskAction } from "../../src/task/bulk";
import type { BulkResult, ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, type TestProject, workerClient } from "../support/helpers";
import { create, inHour } from "../support/task-list";

/** A task due in an hour, so no call of it fires while a bulk action runs. */
function createLater(project: TestProject, body: Record<string, unknown>): Promise<Task> {
  return create(project, { url: bucket().url, schedule: { at: inHour() }, ...body });
}

async function bulk(project: TestProject, body: unknown): Promise<BulkResult> {
  const res = await api<{ payload: BulkResult }>("POST", "/api/v1/tasks/bulk", {
    key: project.key,
    body,
  });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.payload;
}

async function stateOf(project: TestProject, id: string): Promise<string> {
  const res = await api<{ payload: Task }>("GET", `/api/v1/tasks/${id}`, { key: project.key });
  return res.status === 404 ? "gone" : res.json.payload.state;
}

async function act(project: TestProject, id: string, action: string) {
  const res = await api("POST", `/api/v1/tasks/${id}/${action}`, { key: project.key });
  expect(res.status).toBe(200);
}

describe("POST /api/v1/tasks/bulk", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("bulk");
  });

  it("pauses the tasks with a label; one already paused matches but does not change", async () => {
    const a1 = await createLater(project, { labels: { team: "alpha" } });
    const a2 = await createLater(project, { labels: { team: "alpha", env: "prod" } });
    const a3 = await createLater(project, { labels: { team: "alpha" } });
    const other = await createLater(project, { labels: { team: "beta" } });
    await act(project, a3.id, "pause");
    const result = await bulk(project, { action: "pause", filter: { label: { team: "alpha" } } });
    expect(result).toEqual({ matched: 3, changed: 2, failed: [], next_cursor: null });
    for (const task of [a1, a2, a3]) expect(await stateOf(project, task.id)).toBe("paused");
    expect(await stateOf(project, other.id)).toBe("active");
  });

  it("lists the tasks a rule refuses in failed and carries on with the rest", async () => {
    const paused = await createLater(project, { name: "gamma-paused", labels: { team: "gamma" } });
    const cancelled = await createLater(project, {
      name: "gamma-cancelled",
      labels: { team: "gamma" },
    });
    await act(project, paused.id, "pause");
    await act(project, cancelled.id, "cancel");
    const result = await bulk(project, { action: "resume", filter: { label: { team: "gamma" } } });
    expect(result.matched).toBe(2);
    expect(result.changed).toBe(1);
    expect(result.failed).toEqual([
      { id: cancelled.id, error: "task is cancelled and cannot be resumed" },
    ]);
    expect(await stateOf(project, paused.id)).toBe("active");
    expect(await stateOf(project, cancelled.id)).toBe("cancelled");
  });

  it("combines filters: name prefix and state", async () => {
    const active = await createLater(project, { name: "nightly-1" });
    const paused = await createLater(project, { name: "nightly-2" });
    const otherName = await createLater(project, { name: "hourly-1" });
    await act(project, paused.id, "pause");
    const result = await bulk(project, {
      action: "cancel",
      filter: { name_prefix: "nightly-", state: ["paused"] },
    });
    expect(result).toEqual({ matched: 1, changed: 1, failed: [], next_cursor: null });
    expect(await stateOf(project, paused.id)).toBe("cancelled");
    expect(await stateOf(project, active.id)).toBe("active");
    expect(await stateOf(project, otherName.id)).toBe("active");
  });

  it("deletes by ids, and reports an id that is not the project's", async () => {
    const one = await createLater(project, { name: "delete-me-1" });
    const two = await createLater(project, { name: "delete-me-2" });
    const keep = await createLater(project, { name: "keep-me" });
    const unknown = crypto.randomUUID();
    const result = await bulk(project, {
      action: "delete",
      filter: { ids: [one.id, two.id, unknown] },
    });
    expect(result.matched).toBe(2);
    expect(result.changed).toBe(2);
    expect(result.failed).toEqual([{ id: unknown, error: "task not found" }]);
    expect(await stateOf(project, one.id)).toBe("gone");
    expect(await stateOf(project, two.id)).toBe("gone");
    expect(await stateOf(project, keep.id)).toBe("active");
    // A second delete finds nothing: deleted tasks no longer match.
    const again = await bulk(project, { action: "delete", filter: { ids: [one.id] } });
    expect(again).toEqual({
      matched: 0,
      changed: 0,
      failed: [{ id: one.id, error: "task not found" }],
      next_cursor: null,
    });
  });

  const refused: [unknown, string][] = [
    [{ action: "pause", filter: {} }, "filter"],
    [{ action: "pause", filter: { label: {} } }, "filter"],
    [{ action: "pause" }, "filter"],
    [{ action: "run", filter: { state: ["active"] } }, "action"],
    [{ action: "pause", filter: { state: [] } }, "filter.state"],
    [{ action: "pause", filter: { state: ["sleeping"] } }, "filter.state.0"],
    [{ action: "pause", filter: { ids: ["not-an-id"] } }, "filter.ids.0"],
    [
      { action: "pause", filter: { ids: Array.from({ length: 1001 }, () => crypto.randomUUID()) } },
      "filter.ids",
    ],
    [{ action: "pause", filter: { label: { Team: "x" } } }, "filter.label.Team"],
    [{ action: "pause", filter: { name: "x" } }, "filter.name"],
    [{ action: "pause", filter: { state: ["active"] }, cursor: "nope" }, "cursor"],
  ];
  it.each(refused)("refuses %j with a 400 naming %s", async (body, path) => {
    const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks/bulk", { key: project.key, body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect(res.json.error.details.map((d) => d.path)).toContain(path);
  });
});

describe("bulk pages", () => {
  // The API's pages hold 1000 tasks; the same code with pages of 2 shows the paging, without
  // creating a thousand tasks.
  it("acts on one page per call and continues with the cursor, filter and all", async () => {
    const project = await createProject("bulk-pages");
    const tasks: Task[] = [];
    for (let i = 0; i < 5; i++)
      tasks.push(await createLater(project, { labels: { fleet: "small" } }));
    const request = {
      action: "pause" as const,
      filter: { label: { fleet: "small" }, state: ["active" as const] },
    };
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let call = 0; call < 10; call++) {
      const page = await bulkTaskAction(
        env,
        project.id,
        { ...request, ...(cursor && { cursor }) },
        2,
      );
      expect(page.changed).toBe(page.matched);
      expect(page.failed).toEqual([]);
      seen.push(page.matched);
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    // The paused tasks left the filter; the cursor still leads to those not yet taken.
    expect(seen).toEqual([2, 2, 1]);
    for (const task of tasks) expect(await stateOf(project, task.id)).toBe("paused");
  });
});

describe("bulk never crosses projects", () => {
  it("another project's filter and ids reach none of this project's tasks", async () => {
    const owner = await createProject("bulk-owner");
    const stranger = await createProject("bulk-stranger");
    const mine = await createLater(owner, { name: "shared-name", labels: { team: "same" } });
    const byLabel = await bulk(stranger, { action: "cancel", filter: { label: { team: "same" } } });
    expect(byLabel).toEqual({ matched: 0, changed: 0, failed: [], next_cursor: null });
    const byName = await bulk(stranger, { action: "delete", filter: { name_prefix: "shared" } });
    expect(byName.matched).toBe(0);
    const byId = await bulk(stranger, { action: "delete", filter: { ids: [mine.id] } });
    expect(byId).toEqual({
      matched: 0,
      changed: 0,
      failed: [{ id: mine.id, error: "task not found" }],
      next_cursor: null,
    });
    expect(await stateOf(owner, mine.id)).toBe("active");
  });
});

describe("bulk through the CLI and the service binding", () => {
  it("belfry tasks bulk pause --label k=v follows every page and prints the totals", async () => {
    const project = await createProject("bulk-cli");
    const client = workerClient({ apiKey: project.key });
    const a = await createLater(project, { labels: { team: "cli" } });
    const b = await createLater(project, { labels: { team: "cli" } });
    await act(project, b.id, "cancel");
    const out = await tasksBulk(client, "pause", { label: ["team=cli"] });
    expect(out.data).toEqual({
      matched: 2,
      changed: 1,
      failed: [{ id: b.id, error: "task is cancelled and cannot be paused" }],
      next_cursor: null,
    });
    expect(out.text).toMatch(/matched\s+2\nchanged\s+1\nfailed\s+1/);
    expect(out.text).toContain(b.id);
    expect(await stateOf(project, a.id)).toBe("paused");
    await expect(tasksBulk(client, "pause", {})).rejects.toThrow(CliError);
    await expect(tasksBulk(client, "pause", { state: "asleep" })).rejects.toThrow(/--state/);
  });

  it("Scheduler.bulkTasks acts for the binding's project", async () => {
    const project = await createProject("bulk-rpc");
    const task = await createLater(project, { labels: { via: "rpc" } });
    const scheduler = exports.Scheduler({ props: { project: project.id } });
    const result = await scheduler.bulkTasks({
      action: "cancel",
      filter: { label: { via: "rpc" } },
    });
    expect(result).toEqual({ matched: 1, changed: 1, failed: [], next_cursor: null });
    expect(await stateOf(project, task.id)).toBe("cancelled");
  });
});
