import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import { database } from "../../src/db/client";
import { taskPageQuery } from "../../src/db/task-index";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, type TestProject } from "../support/helpers";
import { create, inHour, list, names } from "../support/task-list";

describe("labels on a task", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("labels-fields");
  });

  it("are shown as created, and {} when none were given", async () => {
    const target = bucket();
    const labelled = await create(project, {
      url: target.url,
      schedule: { at: inHour() },
      labels: { team: "billing", "env.tier-1_x": "", "9": "x".repeat(128) },
    });
    expect(labelled.labels).toEqual({ team: "billing", "env.tier-1_x": "", "9": "x".repeat(128) });
    const read = await api<{ payload: Task }>("GET", `/api/v1/tasks/${labelled.id}`, {
      key: project.key,
    });
    expect(read.json.payload.labels).toEqual(labelled.labels);
    const plain = await create(project, { url: target.url, schedule: { at: inHour() } });
    expect(plain.labels).toEqual({});
  });

  it("a patch replaces them all; {} removes them", async () => {
    const task = await create(project, {
      url: bucket().url,
      schedule: { at: inHour() },
      labels: { team: "billing", env: "prod" },
    });
    const patched = await api<{ payload: Task }>("PATCH", `/api/v1/tasks/${task.id}`, {
      key: project.key,
      body: { labels: { team: "search" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.payload.labels).toEqual({ team: "search" });
    const untouched = await api<{ payload: Task }>("PATCH", `/api/v1/tasks/${task.id}`, {
      key: project.key,
      body: { name: "renamed" },
    });
    expect(untouched.json.payload.labels).toEqual({ team: "search" });
    const cleared = await api<{ payload: Task }>("PATCH", `/api/v1/tasks/${task.id}`, {
      key: project.key,
      body: { labels: {} },
    });
    expect(cleared.json.payload.labels).toEqual({});
  });

  it("bad labels are a 400 naming the field", async () => {
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    const cases: [unknown, string][] = [
      [{ Team: "billing" }, "labels.Team"],
      [{ "-team": "billing" }, "labels.-team"],
      [{ "": "x" }, "labels."],
      [{ ["k".repeat(64)]: "x" }, `labels.${"k".repeat(64)}`],
      [{ team: "x".repeat(129) }, "labels.team"],
      [{ team: 5 }, "labels.team"],
      [{ team: null }, "labels.team"],
      [seventeen, "labels"],
      [["team"], "labels"],
      ["team:billing", "labels"],
    ];
    for (const [labels, path] of cases) {
      const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
        key: project.key,
        body: { url: bucket().url, schedule: { at: inHour() }, labels },
      });
      expect(res.status, JSON.stringify(labels)).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.details.map((d) => d.path)).toContain(path);
      expect(res.json.error.message.startsWith(`${path}: `), res.json.error.message).toBe(true);
    }
    const task = await create(project, { url: bucket().url, schedule: { at: inHour() } });
    const patch = await api<ErrorEnvelope>("PATCH", `/api/v1/tasks/${task.id}`, {
      key: project.key,
      body: { labels: { "UPPER.case": "x" } },
    });
    expect(patch.status).toBe(400);
    expect(patch.json.error.message).toMatch(/^labels\.UPPER\.case: /);
  });
});

describe("GET /api/v1/tasks?label=", () => {
  let project: TestProject;
  let other: TestProject;
  beforeAll(async () => {
    project = await createProject("labels-list");
    other = await createProject("labels-list-other");
    const target = bucket();
    const tasks: [string, Record<string, string>][] = [
      ["billing-prod-1", { team: "billing", env: "prod" }],
      ["billing-prod-2", { team: "billing", env: "prod", tier: "gold" }],
      ["billing-staging", { team: "billing", env: "staging" }],
      ["search-prod", { team: "search", env: "prod" }],
      ["colon", { url: "https://x.test:8080/a" }],
      ["unlabelled", {}],
    ];
    for (const [name, labels] of tasks) {
      await create(project, { name, url: target.url, schedule: { at: inHour() }, labels });
    }
    await create(other, {
      name: "other-billing",
      url: target.url,
      schedule: { at: inHour() },
      labels: { team: "billing", env: "prod" },
    });
  });

  it("one label finds the tasks that carry it, in this project only", async () => {
    expect(await names(project, "label=team:billing")).toEqual([
      "billing-prod-1",
      "billing-prod-2",
      "billing-staging",
    ]);
    expect(await names(project, "label=env:prod")).toEqual([
      "billing-prod-1",
      "billing-prod-2",
      "search-prod",
    ]);
    expect(await names(project, "label=team:nobody")).toEqual([]);
    expect(await names(other, "label=team:billing")).toEqual(["other-billing"]);
  });

  it("repeated labels must all match; values may hold colons", async () => {
    expect(await names(project, "label=team:billing&label=env:prod")).toEqual([
      "billing-prod-1",
      "billing-prod-2",
    ]);
    expect(await names(project, "label=env:prod&label=team:billing&label=tier:gold")).toEqual([
      "billing-prod-2",
    ]);
    expect(await names(project, "label=team:billing&label=team:search")).toEqual([]);
    const url = encodeURIComponent("url:https://x.test:8080/a");
    expect(await names(project, `label=${url}`)).toEqual(["colon"]);
  });

  it("combines with state and name, and pages by cursor newest first", async () => {
    const [first] = (await list(project, "label=team:billing&name=billing-prod-1")).json.payload
      .results;
    expect(first?.name).toBe("billing-prod-1");
    const paused = await api("POST", `/api/v1/tasks/${first?.id}/pause`, { key: project.key });
    expect(paused.status).toBe(200);
    expect(await names(project, "label=team:billing&state=paused")).toEqual(["billing-prod-1"]);
    expect(await names(project, "label=team:billing&state=active")).toEqual([
      "billing-prod-2",
      "billing-staging",
    ]);
    expect(await names(project, "label=team:billing&name=billing-prod")).toEqual([
      "billing-prod-1",
      "billing-prod-2",
    ]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `label=team:billing&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await list(project, query);
      expect(res.status).toBe(200);
      seen.push(...res.json.payload.results.map((t) => t.name ?? ""));
      cursor = res.json.payload.next_cursor;
    } while (cursor !== null && seen.length < 10);
    expect(seen).toEqual(["billing-staging", "billing-prod-2", "billing-prod-1"]);
  });

  it("follows a patch of the labels and a delete", async () => {
    const task = await create(project, {
      name: "moving",
      url: bucket().url,
      schedule: { at: inHour() },
      labels: { team: "ops" },
    });
    expect(await names(project, "label=team:ops")).toEqual(["moving"]);
    await api("PATCH", `/api/v1/tasks/${task.id}`, {
      key: project.key,
      body: { labels: { team: "infra" } },
    });
    expect(await names(project, "label=team:ops")).toEqual([]);
    expect(await names(project, "label=team:infra")).toEqual(["moving"]);
    const deleted = await api("DELETE", `/api/v1/tasks/${task.id}`, { key: project.key });
    expect(deleted.status).toBe(200);
    expect(await names(project, "label=team:infra")).toEqual([]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM task_labels WHERE task_id = ?")
      .bind(task.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("a malformed label filter is a 400 naming label", async () => {
    for (const label of ["team", "Team:billing", ":billing", `team:${"x".repeat(129)}`]) {
      const res = await list(project, `label=${encodeURIComponent(label)}`);
      expect(res.status, label).toBe(400);
      expect(res.json.error.message).toMatch(/^label: /);
      expect(res.json.error.details.map((d) => d.path)).toContain("label");
    }
  });

  it("a label page is read through the label index, not by scanning the project's tasks", async () => {
    const query = taskPageQuery(
      database(env.DB),
      {
        projectId: project.id,
        labels: [
          ["team", "billing"],
          ["env", "prod"],
        ],
        states: ["active"],
        limit: 50,
        after: { createdAt: Date.now(), id: "z" },
      },
      {},
    ).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail);
    expect(details.join("\n")).toMatch(
      /SEARCH task_labels USING (COVERING )?INDEX task_labels_filter/,
    );
    expect(details.some((d) => d.startsWith("SCAN"))).toBe(false);
    expect(details.some((d) => d.includes("TEMP B-TREE"))).toBe(false);
  });
});
