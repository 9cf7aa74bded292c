import { beforeAll, describe, expect, it } from "vitest";
import type { AttemptView as Attempt } from "../../src/core/history";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ErrorEnvelope, Page } from "../../src/wire/answers";
import {
  api,
  bucket,
  createProject,
  eventually,
  type TestProject,
  waitForTask,
} from "../support/helpers";
import { create, inHour, list, names } from "../support/task-list";

/** Follow next_cursor from the first page to the last, returning every page. */
async function allPages(project: TestProject, limit: number): Promise<Page<Task>[]> {
  const pages: Page<Task>[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await list(project, query);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    pages.push(res.json.payload);
    cursor = res.json.payload.next_cursor;
    expect(pages.length).toBeLessThanOrEqual(50);
  } while (cursor !== null);
  return pages;
}

describe("GET /api/v1/tasks pagination", () => {
  let project: TestProject;
  const created: Task[] = [];
  beforeAll(async () => {
    project = await createProject("listing-pages");
    const target = bucket();
    for (let i = 0; i < 25; i++) {
      const name = `page-${String(i).padStart(2, "0")}`;
      created.push(await create(project, { name, url: target.url, schedule: { at: inHour() } }));
    }
  });

  it("limit 7 walks every task exactly once, newest first, ending with next_cursor null", async () => {
    const pages = await allPages(project, 7);
    expect(pages.map((p) => p.results.length)).toEqual([7, 7, 7, 4]);
    expect(pages.at(-1)?.next_cursor).toBeNull();

    const seen = pages.flatMap((p) => p.results);
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(created.map((t) => t.id).sort());

    const times = seen.map((t) => Date.parse(t.created_at ?? ""));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(seen[0]?.id).toBe(created.at(-1)?.id);
    expect(seen.at(-1)?.id).toBe(created[0]?.id);
  });

  it("a last page that is exactly full still ends with next_cursor null", async () => {
    const pages = await allPages(project, 5);
    expect(pages.map((p) => p.results.length)).toEqual([5, 5, 5, 5, 5]);
    expect(pages.slice(0, -1).every((p) => typeof p.next_cursor === "string")).toBe(true);
  });

  it("without a limit, up to 50 come back on one page", async () => {
    const res = await list(project, "");
    expect(res.status).toBe(200);
    expect(res.json.payload.results).toHaveLength(25);
    expect(res.json.payload.next_cursor).toBeNull();
  });

  it("a cursor this API did not return is a 400 naming cursor", async () => {
    const encoded = btoa(JSON.stringify({ not: "a cursor" }));
    for (const cursor of ["not-a-cursor", encoded, "%%%"]) {
      const res = await list(project, `cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.json).toMatchObject({
        status: "error",
        error: {
          code: "invalid_request",
          message: expect.stringMatching(/^cursor: /),
          details: [{ path: "cursor" }],
        },
      });
    }
  });

  it("limit above 100 or below 1 is a 400 naming limit", async () => {
    for (const limit of ["101", "0", "ten"]) {
      const res = await list(project, `limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message).toMatch(/^limit: /);
      expect(res.json.error.details.map((d) => d.path)).toContain("limit");
    }
  });
});

describe("GET /api/v1/tasks filters", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("listing-filters");
    const target = bucket();
    const states: Record<string, "active" | "pause" | "cancel"> = {
      "report-daily": "active",
      "report-weekly": "pause",
      report_2026: "cancel",
      reportX: "active",
      backup: "pause",
      cleanup: "cancel",
    };
    for (const [name, action] of Object.entries(states)) {
      const task = await create(project, { name, url: target.url, schedule: { at: inHour() } });
      if (action === "active") continue;
      const res = await api("POST", `/api/v1/tasks/${task.id}/${action}`, { key: project.key });
      expect(res.status).toBe(200);
    }
    await create(project, { url: target.url, schedule: { at: inHour() } });
  });

  it("state takes one state or a comma list", async () => {
    expect(await names(project, "state=paused")).toEqual(["backup", "report-weekly"]);
    expect(await names(project, "state=cancelled")).toEqual(["cleanup", "report_2026"]);
    expect(await names(project, `state=${encodeURIComponent("paused, cancelled")}`)).toEqual([
      "backup",
      "cleanup",
      "report-weekly",
      "report_2026",
    ]);
    expect(await names(project, "state=active")).toEqual(["(unnamed)", "report-daily", "reportX"]);
    expect(await names(project, "state=failed")).toEqual([]);
  });

  it("status filters by the polling vocabulary, and combines with state", async () => {
    expect(await names(project, "status=completed")).toEqual(["cleanup", "report_2026"]);
    expect(await names(project, "status=running")).toEqual([
      "(unnamed)",
      "backup",
      "report-daily",
      "report-weekly",
      "reportX",
    ]);
    expect(await names(project, "status=error")).toEqual([]);
    expect(await names(project, "status=running&state=paused,cancelled")).toEqual([
      "backup",
      "report-weekly",
    ]);
  });

  it("name is a prefix, with _ and % matched literally", async () => {
    expect(await names(project, "name=report")).toEqual([
      "report-daily",
      "report-weekly",
      "reportX",
      "report_2026",
    ]);
    expect(await names(project, "name=report-")).toEqual(["report-daily", "report-weekly"]);
    expect(await names(project, "name=report_")).toEqual(["report_2026"]);
    expect(await names(project, `name=${encodeURIComponent("report%")}`)).toEqual([]);
    expect(await names(project, "name=report&state=active")).toEqual(["report-daily", "reportX"]);
  });

  it("an unknown state, status or query parameter is a 400 naming it", async () => {
    for (const [query, field] of [
      ["state=sleeping", "state"],
      ["state=active,sleeping", "state"],
      ["status=done", "status"],
      ["colour=red", "colour"],
    ] as const) {
      const res = await list(project, query);
      expect(res.status, query).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.message.startsWith(field), res.json.error.message).toBe(true);
      expect(res.json.error.details[0]?.path.startsWith(field)).toBe(true);
    }
  });
});

describe("GET /api/v1/tasks/{id}/executions", () => {
  let project: TestProject;
  let taskId: string;
  /** All attempts of the task, newest first, as the history finally holds them. */
  let history: Attempt[];

  function executions(query = "") {
    return api<{ payload: Page<Attempt> } & ErrorEnvelope>(
      "GET",
      `/api/v1/tasks/${taskId}/executions${query ? `?${query}` : ""}`,
      { key: project.key },
    );
  }

  beforeAll(async () => {
    project = await createProject("listing-executions");
    const target = bucket();
    // The first call fails once and is retried; the other two succeed at once.
    await target.program([{ status: 500, body: "boom" }]);
    const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: {
        url: target.url,
        schedule: { every: 100, occurrences: 3 },
        retry: { attempts: 2, backoff: 10 },
      },
    });
    expect(res.status).toBe(201);
    taskId = res.json.payload.id;
    const done = await waitForTask(project.key, taskId, (t) => t.state !== "active");
    expect(done.state).toBe("completed");
    history = await eventually(async () => {
      const page = await executions();
      return page.json.payload.results.length === 4 ? page.json.payload.results : undefined;
    });
  });

  it("lists every attempt newest first with the record's fields", async () => {
    // Newest first by start. The retry of #1 runs before #2 unless the machine is so busy that
    // #2's grid point comes due first: timers are served in due-time order.
    expect(history.map((a) => [a.number, a.attempt]).sort()).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [3, 1],
    ]);
    expect(history.at(-1)).toMatchObject({ number: 1, attempt: 1 });
    const started = history.map((a) => Date.parse(a.started_at));
    expect(started).toEqual([...started].sort((a, b) => b - a));

    const fields = [
      "id",
      "execution_id",
      "task_id",
      "number",
      "attempt",
      "scheduled_at",
      "started_at",
      "duration_ms",
      "status_code",
      "successful",
      "error",
      "response",
      "final",
    ];
    for (const attempt of history) {
      for (const field of fields) expect(attempt).toHaveProperty(field);
      expect(attempt.task_id).toBe(taskId);
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(0);
      expect(new Date(attempt.scheduled_at).toISOString()).toBe(attempt.scheduled_at);
      expect(Date.parse(attempt.started_at)).toBeGreaterThanOrEqual(
        Date.parse(attempt.scheduled_at),
      );
    }

    const find = (number: number, attempt: number) =>
      history.find((a) => a.number === number && a.attempt === attempt);
    const [third, second, retried, failed] = [find(3, 1), find(2, 1), find(1, 2), find(1, 1)];
    expect(failed).toMatchObject({
      number: 1,
      attempt: 1,
      status_code: 500,
      successful: false,
      error: expect.stringContaining("500"),
      response: { body: "boom", truncated: false },
      final: false,
    });
    expect(failed?.response.headers["content-type"]).toBe("application/json");
    expect(retried).toMatchObject({
      number: 1,
      attempt: 2,
      status_code: 200,
      successful: true,
      error: null,
      response: { body: '{"ok":true}', truncated: false },
      final: true,
    });
    // Retries share the occurrence's execution id and grid point; occurrences do not.
    expect(retried?.execution_id).toBe(failed?.execution_id);
    expect(retried?.scheduled_at).toBe(failed?.scheduled_at);
    expect(new Set(history.map((a) => a.execution_id)).size).toBe(3);
    expect(new Set(history.map((a) => a.id)).size).toBe(4);
    expect(second).toMatchObject({ successful: true, final: true });
    expect(third).toMatchObject({ successful: true, final: true });
  });

  it("successful=false and successful=true filter the attempts", async () => {
    const failed = await executions("successful=false");
    expect(failed.status).toBe(200);
    expect(failed.json.payload).toEqual({ results: [history[3]], next_cursor: null });
    const succeeded = await executions("successful=true");
    expect(succeeded.json.payload.results).toEqual(history.slice(0, 3));

    const bad = await executions("successful=maybe");
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0]?.path).toBe("successful");
  });

  it("limit and cursor page through the attempts", async () => {
    const first = await executions("limit=3");
    expect(first.status).toBe(200);
    expect(first.json.payload.results).toEqual(history.slice(0, 3));
    const cursor = first.json.payload.next_cursor;
    expect(typeof cursor).toBe("string");

    const second = await executions(`limit=3&cursor=${encodeURIComponent(cursor ?? "")}`);
    expect(second.json.payload).toEqual({ results: history.slice(3), next_cursor: null });

    const bad = await executions("cursor=nonsense");
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0]?.path).toBe("cursor");
    expect((await executions("limit=101")).status).toBe(400);
  });

  it("an unknown task is a 404", async () => {
    const res = await api<ErrorEnvelope>("GET", `/api/v1/tasks/${crypto.randomUUID()}/executions`, {
      key: project.key,
    });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ status: "error", error: { code: "not_found" } });
  });
});
