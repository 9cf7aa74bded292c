import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { BelfryClient } from "../../cli/client";
import { parseLabels } from "../../cli/commands/labels";
import { tasksList } from "../../cli/commands/tasks-list";
import { CliError } from "../../cli/output";
import type { TaskView } from "../../src/core/task-view";
import type { Page } from "../../src/wire/answers";
import { bucket, createProject, type TestProject, workerClient } from "../support/helpers";
import { inHour } from "../support/task-list";

// Labels through the typed client, the CLI's commands (called as functions against the Worker)
// and the service binding.

let project: TestProject;
let client: BelfryClient;
beforeAll(async () => {
  project = await createProject("labels-interfaces");
  client = workerClient({ apiKey: project.key });
});

describe("labels from the CLI and the client", () => {
  it("--labels and --label read key=value pairs, comma-separated or repeated", () => {
    expect(parseLabels("--labels", ["team=billing,env=prod", "tier=gold"])).toEqual({
      team: "billing",
      env: "prod",
      tier: "gold",
    });
    expect(parseLabels("--labels", [""])).toEqual({});
    expect(parseLabels("--label", ["url=https://x.test/?a=b"])).toEqual({
      url: "https://x.test/?a=b",
    });
    expect(() => parseLabels("--labels", ["team"])).toThrow(CliError);
    expect(() => parseLabels("--labels", ["=x"])).toThrow(/--labels "=x": expected KEY=VALUE/);
  });

  it("tasks list --label and client.listTasks({label}) find only tasks with every label", async () => {
    const target = bucket();
    for (const [name, labels] of [
      ["a", { team: "ops", env: "prod" }],
      ["b", { team: "ops", env: "dev" }],
      ["c", { team: "web", env: "prod" }],
    ] as const) {
      await client.createTask({ url: target.url, name, schedule: { at: inHour() }, labels });
    }
    const listed = await tasksList(client, { label: ["team=ops", "env=prod"] });
    expect(listed.data.map((t) => t.name)).toEqual(["a"]);
    const page = await client.listTasks({ label: { env: "prod" } });
    expect(page.results.map((t) => t.name).sort()).toEqual(["a", "c"]);
    await expect(client.listTasks({ label: { Env: "prod" } })).rejects.toMatchObject({
      status: 400,
      code: "invalid_request",
    });
  });
});

describe("labels through the service binding", () => {
  it("listTasks takes label as {key: value}", async () => {
    const scheduler = exports.Scheduler({ props: { project: project.id } });
    const target = bucket();
    await scheduler.createTask({
      url: target.url,
      name: "rpc-labelled",
      schedule: { at: inHour() },
      labels: { via: "rpc" },
    });
    // RPC's generated types cannot carry a task's `unknown` body; the shape is the HTTP API's.
    const page = (await scheduler.listTasks({ label: { via: "rpc" } })) as Page<TaskView>;
    expect(page.results.map((t) => [t.name, t.labels])).toEqual([["rpc-labelled", { via: "rpc" }]]);
  });
});
