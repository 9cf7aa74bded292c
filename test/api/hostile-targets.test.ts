import { beforeAll, describe, expect, it } from "vitest";
import type { AttemptView as Attempt } from "../../src/core/history";
import { MAX_RECORDED_HEADER_BYTES, MAX_RECORDED_HEADERS } from "../../src/core/response-headers";
import type { TaskView as Task } from "../../src/core/task-view";
import { MAX_RESPONSE_BYTES } from "../../src/task/capped-body";
import {
  api,
  bucket,
  createProject,
  eventually,
  type TestProject,
  waitForTask,
} from "../support/helpers";
import type { HostileAnswer } from "../support/receiver-types";

// Targets that answer with compression bombs, oversized headers and control bytes, or never
// answer (test/support/hostile-target.ts), against the real runtime: each attempt must end
// recorded with a bounded record, and the task must go on to its next call.

let project: TestProject;
beforeAll(async () => {
  project = await createProject("hostile-targets");
});

async function create(body: Record<string, unknown>) {
  const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.payload;
}

/** A target answering each of its next `count` calls with `answer`. */
async function hostile(answer: HostileAnswer, count: number) {
  const target = bucket();
  await target.program(Array.from({ length: count }, () => ({ hostile: answer })));
  return target;
}

/** The task's recorded attempts, once `count` of them are in the history. */
async function recorded(taskId: string, count: number, timeoutMs = 20_000): Promise<Attempt[]> {
  return eventually(async () => {
    const res = await api<{ payload: { results: Attempt[] } }>(
      "GET",
      `/api/v1/tasks/${taskId}/executions?limit=100`,
      { key: project.key },
    );
    const results = res.json.payload.results;
    return results.length >= count ? results : undefined;
  }, timeoutMs);
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

describe("compressed answers are read up to the cap, counted in decoded bytes", () => {
  it.each([
    ["gzip-bomb", "256 MiB"],
    ["br-bomb", "1 GiB"],
  ] as const)(
    "%s (inflating to %s): every call recorded, body capped, task keeps firing",
    async (answer, _inflated) => {
      const calls = 3;
      const target = await hostile(answer, calls);
      const task = await create({
        url: target.url,
        schedule: { every: 300, occurrences: calls },
        retry: { attempts: 1 },
      });
      const done = await waitForTask<Task>(
        project.key,
        task.id,
        (t) => t.state !== "active",
        30_000,
      );
      expect(done.state).toBe("completed");
      expect(done.executions).toEqual({ total: calls, succeeded: calls, failed: 0 });
      expect(await target.calls()).toHaveLength(calls);

      const attempts = await recorded(task.id, calls);
      expect(attempts.map((a) => a.number).sort()).toEqual([1, 2, 3]);
      for (const attempt of attempts) {
        expect(attempt.status_code).toBe(200);
        expect(attempt.response.truncated).toBe(true);
        expect(attempt.response.body.startsWith("bomb bomb ")).toBe(true);
        // Read up to MAX_RESPONSE_BYTES, kept in history up to HISTORY_BODY_BYTES (1 KiB).
        expect(utf8Bytes(attempt.response.body)).toBe(Math.min(MAX_RESPONSE_BYTES, 1024));
      }
    },
  );

  it("deflate-bomb (256 MiB inflated): the runtime passes deflate through, read raw up to the cap", async () => {
    const calls = 3;
    const target = await hostile("deflate-bomb", calls);
    const task = await create({
      url: target.url,
      schedule: { every: 300, occurrences: calls },
      retry: { attempts: 1 },
    });
    const done = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active", 30_000);
    expect(done.state).toBe("completed");
    expect(done.executions).toEqual({ total: calls, succeeded: calls, failed: 0 });
    const attempts = await recorded(task.id, calls);
    expect(attempts).toHaveLength(calls);
    for (const attempt of attempts) {
      expect(attempt.status_code).toBe(200);
      // The compressed body (about 390 KB) is itself past the cap.
      expect(attempt.response.truncated).toBe(true);
      expect(attempt.response.body.length).toBeGreaterThan(0);
      expect(attempt.response.body.length).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    }
  });
});

describe("answers built to make a record too large", () => {
  it("16 KiB of control bytes under 60 headers of 4 KiB: every attempt lands in the history", async () => {
    const calls = 4;
    const target = await hostile("control-bytes", calls);
    const task = await create({
      url: target.url,
      schedule: { every: 200, occurrences: calls },
      retry: { attempts: 1 },
    });
    const done = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active", 30_000);
    expect(done.state).toBe("completed");
    expect(done.executions.total).toBe(calls);

    const attempts = await recorded(task.id, calls);
    expect(attempts).toHaveLength(calls);
    for (const attempt of attempts) {
      expect(attempt.status_code).toBe(200);
      expect(attempt.response.body.length).toBeGreaterThan(0);
      // Read in full (16 KiB, at the cap), kept in history up to HISTORY_BODY_BYTES (1 KiB).
      expect(utf8Bytes(attempt.response.body)).toBeLessThanOrEqual(1024);
      expect(attempt.response.body.charCodeAt(1)).toBe(1);
      const headers = Object.entries(attempt.response.headers);
      expect(headers.length).toBeLessThanOrEqual(MAX_RECORDED_HEADERS);
      const bytes = headers.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
      expect(bytes).toBeLessThanOrEqual(MAX_RECORDED_HEADER_BYTES);
      expect(attempt.response.headers["content-type"]).toBe("application/octet-stream");
      expect(attempt.response.headers).not.toHaveProperty("connection");
      expect(attempt.response.headers).not.toHaveProperty("keep-alive");
    }
  });
});

describe("a target that never answers", () => {
  it("is cut by the task's timeout: each attempt is recorded as a timeout", async () => {
    const target = await hostile("silent", 10);
    const task = await create({
      url: target.url,
      schedule: { every: 400, occurrences: 2 },
      retry: { attempts: 2, backoff: 10 },
      timeout: 300,
    });
    const done = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active", 30_000);
    expect(done.state).toBe("completed");
    expect(done.executions).toEqual({ total: 2, succeeded: 0, failed: 2 });
    // Two occurrences of two attempts each: every one reached the target and was recorded.
    expect(await target.calls()).toHaveLength(4);
    const attempts = await recorded(task.id, 4);
    for (const attempt of attempts) {
      expect(attempt.status_code).toBeNull();
      expect(attempt.successful).toBe(false);
      expect(attempt.error).toBe("timeout: no complete response within 300 ms");
    }
  });

  it("is cut by the task's timeout when it sends headers and never ends the body", async () => {
    const target = await hostile("stalled-body", 2);
    const task = await create({
      url: target.url,
      schedule: { delay: 10 },
      retry: { attempts: 2, backoff: 10 },
      timeout: 300,
    });
    const done = await waitForTask<Task>(project.key, task.id, (t) => t.state !== "active", 30_000);
    expect(done.state).toBe("failed");
    const attempts = await recorded(task.id, 2);
    for (const attempt of attempts) {
      expect(attempt.successful).toBe(false);
      expect(attempt.error).toBe("timeout: no complete response within 300 ms");
    }
  });

  it("a timeout above 10 minutes is refused at create and at patch, naming timeout", async () => {
    const target = bucket();
    const refused = await api<{ error: { message: string } }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, schedule: { delay: "1h" }, timeout: "11m" },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe("timeout: must be between 1 ms and 10 minutes");
    const task = await create({ url: target.url, schedule: { delay: "1h" }, timeout: "10m" });
    const patched = await api<{ error: { message: string } }>("PATCH", `/api/v1/tasks/${task.id}`, {
      key: project.key,
      body: { timeout: 600_001 },
    });
    expect(patched.status).toBe(400);
    expect(patched.json.error.message).toBe("timeout: must be between 1 ms and 10 minutes");
  });
});

describe("manual runs", () => {
  it("at most MAX_QUEUED_RUNS (10) wait per task; the next is a 409 naming it", async () => {
    // A target that never answers holds the first run in flight, so the others stay queued.
    const target = await hostile("silent", 1);
    const task = await create({ url: target.url, schedule: { delay: "1h" }, timeout: "20s" });
    const run = () =>
      api<{ error: { message: string; details: unknown[] } }>(
        "POST",
        `/api/v1/tasks/${task.id}/run`,
        { key: project.key },
      );
    for (let i = 0; i < 10; i++) expect((await run()).status).toBe(200);
    const refused = await run();
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(
      /^MAX_QUEUED_RUNS: the task has 10 manual runs waiting/,
    );
    expect(refused.json.error.details).toEqual([
      { path: "MAX_QUEUED_RUNS", message: expect.stringContaining("10 manual runs") },
    ]);
    expect((await api("DELETE", `/api/v1/tasks/${task.id}`, { key: project.key })).status).toBe(
      200,
    );
  });
});
