// The `belfry tasks` and `belfry projects` commands as plain functions: flags in, what they
// print and answer out, against the Worker in this runtime (no server, no process). The
// binary's argument parsing and exit codes are tested end to end in test/e2e/cli.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { type BelfryClient, BelfryClientError } from "../../cli/client";
import { projectsCreate } from "../../cli/commands/projects-create";
import { createRequest, parseBody, tasksCreate } from "../../cli/commands/tasks-create";
import { tasksDelete } from "../../cli/commands/tasks-delete";
import { tasksExecutions } from "../../cli/commands/tasks-executions";
import { tasksLifecycle } from "../../cli/commands/tasks-lifecycle";
import { tasksList } from "../../cli/commands/tasks-list";
import { tasksShow } from "../../cli/commands/tasks-show";
import { tasksUpdate, updateRequest } from "../../cli/commands/tasks-update";
import { CliError } from "../../cli/output";
import { ADMIN_TOKEN, bucket, createProject, eventually, workerClient } from "../support/helpers";

let client: BelfryClient;
beforeAll(async () => {
  client = workerClient({ apiKey: (await createProject("cli-commands")).key });
});

describe("flags to requests", () => {
  it("turn one flag per field into a create body, leaving the values to the server", () => {
    expect(
      createRequest({
        url: "https://example.com/hook",
        every: "5m",
        occurrences: 3,
        header: ["X-Team: ops"],
        query: ["a=1"],
        body: '{"hello":"world"}',
        retryAttempts: 2,
        retryBackoff: "1500",
      }),
    ).toEqual({
      url: "https://example.com/hook",
      headers: { "X-Team": "ops" },
      query: { a: "1" },
      body: { hello: "world" },
      retry: { attempts: 2, backoff: 1500 },
      schedule: { every: "5m", occurrences: 3 },
    });
  });

  it("refuse a create without a schedule, bounds without one, and an empty update", () => {
    expect(() => createRequest({ url: "https://example.com/hook" })).toThrow(CliError);
    expect(() => updateRequest({ occurrences: 2 })).toThrow(
      "a schedule needs one of --at, --delay, --every or --cron",
    );
    expect(() => updateRequest({})).toThrow("nothing to change");
  });

  it("read --body inline or from @file, and say which one is not JSON", () => {
    expect(parseBody("@body.json", () => '{"from":"file"}')).toEqual({ from: "file" });
    expect(() => parseBody("{oops")).toThrow("--body: is not JSON");
    expect(() => parseBody("@body.json", () => "oops")).toThrow(
      "--body: body.json does not hold JSON",
    );
  });
});

describe("belfry tasks …", () => {
  it("create, show, list, update, pause, resume, cancel and delete a task", async () => {
    const name = `cli-${crypto.randomUUID().slice(0, 8)}`;
    const created = await tasksCreate(client, {
      url: "https://example.com/hook",
      name,
      delay: "1h",
    });
    const { id } = created.data;
    expect(created.data).toMatchObject({ name, state: "active" });
    expect(created.text).toMatch(new RegExp(`^id\\s+${id}$`, "m"));

    const shown = await tasksShow(client, id);
    expect(shown.text).toMatch(/^state\s+active \(status running, progress 0%\)$/m);

    const listed = await tasksList(client, { name });
    expect(listed.data.map((t) => t.id)).toEqual([id]);
    expect(listed.text.split("\n")[0]).toMatch(/^ID\s+NAME\s+STATE\s+SCHEDULE\s+NEXT RUN/);

    const updated = await tasksUpdate(client, id, { name: `${name}-renamed`, every: "2h" });
    expect(updated.data).toMatchObject({ name: `${name}-renamed`, schedule: { every: 7_200_000 } });

    expect((await tasksLifecycle(client, "pause", id)).text).toMatch(/^Paused task /);
    expect((await tasksLifecycle(client, "resume", id)).data.state).toBe("active");
    const cancelled = await tasksLifecycle(client, "cancel", id);
    expect(cancelled.text).toBe(`Cancelled task ${id}: ${cancelled.data.message}`);
    expect((await tasksList(client, { name, state: "cancelled" })).data).toHaveLength(1);
    expect((await tasksList(client, { name, status: "running" })).text).toBe("No tasks.");

    expect((await tasksDelete(client, id)).text).toBe(`Deleted task ${id}`);
    await expect(tasksShow(client, id)).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("list the latest --limit attempts, every one with --all, and only the failed ones", async () => {
    const target = bucket();
    await target.program([{ status: 500 }]);
    const { data: task } = await tasksCreate(client, {
      url: target.url,
      every: "20ms",
      occurrences: 3,
      retryAttempts: 1,
    });
    const all = await eventually(async () => {
      const { data } = await tasksExecutions(client, task.id, { all: true });
      return data.length >= 3 ? data : undefined;
    });
    expect(all.map((a) => a.number)).toEqual([3, 2, 1]);
    expect(
      (await tasksExecutions(client, task.id, { limit: 2 })).data.map((a) => a.number),
    ).toEqual([3, 2]);
    const failed = await tasksExecutions(client, task.id, { successful: false });
    expect(failed.data.map((a) => a.number)).toEqual([1]);
    expect(failed.text).toMatch(/\b500 failed$/m);
  });

  it("answer the server's refusal as a BelfryClientError naming the field", async () => {
    const refused = tasksCreate(client, { url: "https://example.com/hook", every: "soon" });
    await expect(refused).rejects.toBeInstanceOf(BelfryClientError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: "invalid_request" });
    await expect(refused).rejects.toThrow(/^schedule\.every: /);
  });
});

describe("belfry projects create", () => {
  it("creates a project whose key works at once, and says to keep its secrets", async () => {
    const created = await projectsCreate(workerClient({ adminToken: ADMIN_TOKEN }), "cli-team");
    expect(created.text).toContain("Keep the API key and the signing secret now");
    expect(created.text).toMatch(new RegExp(`^api key\\s+${created.data.api_key}$`, "m"));
    expect((await tasksList(workerClient({ apiKey: created.data.api_key }))).data).toEqual([]);
  });
});
