// The service binding: a second Worker (test/fixtures/consumer) binds to Belfry's Scheduler
// entrypoint with props = { project = "dev" }; both run in one `wrangler dev`.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AttemptView, Page, TaskView } from "../../cli/client";
import { type DevServer, startDevServer } from "../../scripts/dev-server";
import { devClient, pollUntil, receiverBucket } from "./support/client";

/** What crossed the binding when a Scheduler method threw. */
interface CrossedError {
  name: string;
  message: string;
  code?: string;
  status?: number;
  details?: { path: string; message: string }[];
  remote?: boolean;
  instanceOfError: boolean;
}

type Answer<T> = { ok: true; value: T } | { ok: false; error: CrossedError };

let dev: DevServer;
const receiverUrl = inject("receiverUrl");

beforeAll(async () => {
  dev = await startDevServer({
    // The consumer first: the first config is the one served on the port.
    wranglerArgs: ["-c", "test/fixtures/consumer/wrangler.toml", "-c", "wrangler.toml"],
  });
});

afterAll(async () => {
  await dev?.stop();
});

/** Call a Scheduler method through the consumer Worker. */
async function rpc<T>(
  method: string,
  args: unknown[],
  binding: "scoped" | "unscoped" = "scoped",
): Promise<Answer<T>> {
  const res = await fetch(`${dev.url}/rpc`, {
    method: "POST",
    body: JSON.stringify({ binding, method, args }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as Answer<T>;
}

async function value<T>(method: string, ...args: unknown[]): Promise<T> {
  const answer = await rpc<T>(method, args);
  if (!answer.ok) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
  return answer.value;
}

async function failure(method: string, ...args: unknown[]): Promise<CrossedError> {
  const answer = await rpc(method, args);
  if (answer.ok) throw new Error(`${method} succeeded: ${JSON.stringify(answer.value)}`);
  return answer.error;
}

describe("Scheduler service binding", () => {
  it("creates a task for the binding's project that fires, is recorded and completes", async () => {
    const hook = receiverBucket(receiverUrl);
    const task = await value<TaskView>("createTask", {
      name: "from-a-worker",
      url: hook.url,
      body: { via: "binding" },
      schedule: { every: "1s", occurrences: 2 },
    });
    expect(task).toMatchObject({ name: "from-a-worker", state: "active", status: "running" });

    const calls = await hook.waitForCalls(2, 15_000);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.headers["belfry-task-id"]).toBe(task.id);
      expect(JSON.parse(call.body)).toEqual({ via: "binding" });
    }

    // The binding acts for the project in its props: the dev key sees the same task.
    expect((await devClient(dev.url).getTask(task.id)).id).toBe(task.id);

    const done = await pollUntil(
      () => value<TaskView>("getTask", task.id),
      (t) => t.state === "completed",
      10_000,
    );
    expect(done).toMatchObject({ status: "completed", progress: 100 });

    const history = await pollUntil(
      () => value<Page<AttemptView>>("listExecutions", task.id, { limit: 10 }),
      (page) => page.results.length >= 2,
      15_000,
    );
    expect(history.results.map((a) => [a.number, a.successful])).toEqual([
      [2, true],
      [1, true],
    ]);
    const failedOnly = await value<Page<AttemptView>>("listExecutions", task.id, {
      successful: false,
    });
    expect(failedOnly.results).toEqual([]);

    // The index learns of the completion with the task's history, within moments.
    const listed = await pollUntil(
      () => value<Page<TaskView>>("listTasks", { status: "completed" }),
      (page) => page.results.some((t) => t.id === task.id),
      15_000,
    );
    expect(listed.results.map((t) => t.id)).toContain(task.id);
    const running = await value<Page<TaskView>>("listTasks", { state: ["active", "paused"] });
    expect(running.results.map((t) => t.id)).not.toContain(task.id);
  });

  it("pauses, resumes, changes, runs, cancels and deletes a task", async () => {
    const hook = receiverBucket(receiverUrl);
    const task = await value<TaskView>("createTask", {
      url: hook.url,
      schedule: { delay: "1h" },
    });

    expect((await value<TaskView>("pauseTask", task.id)).state).toBe("paused");
    expect((await value<TaskView>("resumeTask", task.id)).state).toBe("active");
    const renamed = await value<TaskView>("updateTask", task.id, {
      name: "renamed",
    });
    expect(renamed.name).toBe("renamed");

    await value("runTask", task.id);
    const calls = await hook.waitForCalls(1, 10_000);
    expect(calls).toHaveLength(1);

    expect((await value<TaskView>("cancelTask", task.id)).state).toBe("cancelled");
    expect(await value("deleteTask", task.id)).toEqual({ id: task.id, deleted: true });
    const gone = await failure("getTask", task.id);
    expect(gone).toMatchObject({ code: "not_found", status: 404, message: "task not found" });
  });

  it("throws Errors that keep the API's code, status, message and details", async () => {
    const invalid = await failure("createTask", {
      url: "http://127.0.0.1:9/x",
      schedule: { every: "1s", cron: "* * * * *" },
    });
    expect(invalid).toMatchObject({
      instanceOfError: true,
      name: "Error",
      remote: true,
      code: "invalid_request",
      status: 400,
      message: "schedule: must hold exactly one of at, delay, every, cron",
      details: [{ path: "schedule", message: "must hold exactly one of at, delay, every, cron" }],
    });

    const unknownField = await failure("createTask", {
      url: "http://127.0.0.1:9/x",
      schedule: { delay: "1h" },
      colour: "blue",
    });
    expect(unknownField).toMatchObject({
      code: "invalid_request",
      message: "colour: unknown field",
    });

    const cancelled = await value<TaskView>("createTask", {
      url: "http://127.0.0.1:9/x",
      schedule: { delay: "1h" },
    });
    await value("cancelTask", cancelled.id);
    const conflict = await failure("resumeTask", cancelled.id);
    expect(conflict).toMatchObject({ code: "conflict", status: 409 });

    const badQuery = await failure("listTasks", { limit: 1000 });
    expect(badQuery).toMatchObject({ code: "invalid_request" });
    expect(badQuery.message).toMatch(/^limit: /);
  });

  it("refuses every call through a binding without a project", async () => {
    const answer = await rpc("listTasks", [{}], "unscoped");
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error).toMatchObject({ code: "unauthorized", status: 401 });
    expect(answer.error.message).toMatch(/^service binding has no project/);
  });
});
