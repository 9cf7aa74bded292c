import { describe, expect, it } from "vitest";
import type { ProjectAttemptView as ProjectAttempt } from "../../src/core/history";
import { api, bucket, createProject, eventually, waitForTask } from "../support/helpers";
import { create } from "../support/task-list";

type Page = { payload: { results: ProjectAttempt[]; next_cursor: string | null } };

describe("the project-wide history", () => {
  it("filters by label (all must match), names each record's task, and crosses no project", async () => {
    const project = await createProject("executions-labels");
    const { key } = project;
    const other = await createProject("executions-labels-other");
    const target = bucket();
    await target.program([{ status: 500 }, { status: 500 }]);
    const once = { delay: 0 };
    // A billing task whose one call fails, in environment `env`.
    const failingBilling = (env: string) =>
      create(project, {
        name: `billing-${env}`,
        url: target.url,
        schedule: once,
        retry: { attempts: 1 },
        labels: { team: "billing", env },
      });
    const billingProd = await failingBilling("prod");
    const billingDev = await failingBilling("dev");
    const unnamed = await create(project, {
      url: bucket().url,
      schedule: once,
      labels: { team: "search" },
    });
    // Another project's task with the same labels.
    const foreign = await create(other, {
      url: bucket().url,
      schedule: once,
      labels: { team: "billing", env: "prod" },
    });
    for (const id of [billingProd.id, billingDev.id, unnamed.id]) {
      await waitForTask(key, id, (t) => t.state !== "active");
    }
    await waitForTask(other.key, foreign.id, (t) => t.state !== "active");

    const list = (query: string, k = key) =>
      eventually(async () => {
        const res = await api<Page>("GET", `/api/v1/executions?${query}`, { key: k });
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        // Wait for every task's attempt to reach D1, then answer the page.
        const all = await api<Page>("GET", "/api/v1/executions", { key: k });
        return all.json.payload.results.length >= (k === key ? 3 : 1)
          ? res.json.payload.results
          : undefined;
      }, 15_000);

    const billing = await list("label=team:billing");
    expect(billing.map((r) => r.task_name).sort()).toEqual(["billing-dev", "billing-prod"]);
    const prod = await list("label=team:billing&label=env:prod");
    expect(prod).toEqual([
      expect.objectContaining({ task_id: billingProd.id, task_name: "billing-prod" }),
    ]);
    const failedProd = await list("label=env:prod&successful=false");
    expect(failedProd.map((r) => r.task_id)).toEqual([billingProd.id]);
    const search = await list("label=team:search");
    expect(search).toEqual([
      expect.objectContaining({ task_id: unnamed.id, task_name: null, successful: true }),
    ]);
    expect(await list("label=team:nobody")).toEqual([]);
    // The other project's label filter finds only its own task.
    const theirs = await list("label=team:billing", other.key);
    expect(theirs.map((r) => r.task_id)).toEqual([foreign.id]);
  });

  it("refuses a malformed label filter, naming it", async () => {
    const { key } = await createProject("executions-bad-label");
    const res = await api<{ error: { message: string } }>(
      "GET",
      "/api/v1/executions?label=nocolon",
      {
        key,
      },
    );
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^label: /);
  });
});
