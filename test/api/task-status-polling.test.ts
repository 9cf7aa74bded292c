import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as TaskPayload } from "../../src/core/task-view";
import { api, bucket, createProject, eventually, type TestProject } from "../support/helpers";

// The task-status document (docs/dialects.md): its JavaScript poller, run against Belfry. The
// only changes are the ones a user makes when moving: the base URL, an API key, and a shorter
// poll interval than the document's 2 s, so the tests stay quick.

let project: TestProject;
beforeAll(async () => {
  project = await createProject("task-status");
});

/** What the document's poller printed, kept so the test can read it. */
interface Console {
  polls: TaskPayload[];
  finished: unknown[];
  failed: string[];
  errors: unknown[];
}

/** The document's `pollTask`, with `fetch` aimed at Belfry and the API key added. */
function documentPoller(path: string, log: Console) {
  const apiHost = "http://belfry.test";
  const fetch = (url: string) =>
    exports.default.fetch(url, { headers: { authorization: `Bearer ${project.key}` } });

  // This function would be called repeatedly until the task is no longer "running"
  return async function pollTask(taskId: string): Promise<boolean> {
    try {
      const response = await fetch(`${apiHost}${path}/${taskId}`);
      if (!response.ok) {
        throw new Error(`HTTP error! status: ${response.status}`);
      }
      const taskData = (await response.json()) as { payload: TaskPayload };
      const task = taskData.payload;
      log.polls.push(task); // console.log(`Task ${taskId} progress: ${task.progress}% - ${task.message}`);
      if (task.status === "completed") {
        log.finished.push(task.data); // console.log('Task finished successfully!', task.data);
        return true;
      } else if (task.status === "error") {
        log.failed.push(task.message); // console.error('Task failed:', task.message);
        return true;
      }
      return false;
    } catch (error) {
      log.errors.push(error); // console.error('Error polling task status:', error);
      return true;
    }
  };
}

/** The document's setInterval loop, resolved when `pollTask` says it is done (bounded). */
function pollUntilDone(path: string, taskId: string, everyMs: number): Promise<Console> {
  const log: Console = { polls: [], finished: [], failed: [], errors: [] };
  const pollTask = documentPoller(path, log);
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearInterval(pollInterval);
      reject(new Error(`still polling after 20 s: ${JSON.stringify(log.polls.at(-1))}`));
    }, 20_000);
    let busy = false;
    const pollInterval = setInterval(async () => {
      if (busy) return; // the document's loop can overlap on a slow answer; one at a time here
      busy = true;
      const isDone = await pollTask(taskId);
      busy = false;
      if (isDone) {
        clearInterval(pollInterval);
        clearTimeout(deadline);
        resolve(log);
      }
    }, everyMs);
  });
}

async function createTask(body: Record<string, unknown>): Promise<string> {
  const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
    key: project.key,
    body,
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.payload.id;
}

describe("the document's JavaScript poller", () => {
  it("ends on completed for a task that finishes, with progress climbing from 0 to 100", async () => {
    const id = await createTask({ url: bucket().url, schedule: { every: 250, occurrences: 4 } });
    const log = await pollUntilDone("/api/v1/tasks", id, 40);
    expect(log.errors).toEqual([]);
    expect(log.failed).toEqual([]);
    const last = log.polls.at(-1);
    expect(last).toMatchObject({ id, status: "completed", progress: 100 });
    expect(log.finished).toEqual([
      {
        executions: { total: 4, succeeded: 4, failed: 0 },
        last_response: { status_code: 200, body: { ok: true } },
      },
    ]);
    for (const poll of log.polls) {
      expect(Object.keys(poll).slice(0, 5)).toEqual([
        "id",
        "status",
        "progress",
        "message",
        "data",
      ]);
      expect(typeof poll.message).toBe("string");
      if (poll.status === "running") expect(poll.data).toBeNull();
    }
    const progress = log.polls.map((p) => p.progress);
    expect(progress[0]).toBe(0);
    // Never backwards, and seen at in-between values on the way to 100.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const distinct = [...new Set(progress)];
    expect(distinct.length).toBeGreaterThanOrEqual(3);
    expect(distinct.at(-1)).toBe(100);
  });

  it("ends on error for a task that fails, through the /get-task-status alias", async () => {
    const target = bucket();
    await target.program([{ status: 500, body: "boom" }]);
    const id = await createTask({
      url: target.url,
      schedule: { delay: 150 },
      retry: { attempts: 1 },
    });
    const log = await pollUntilDone("/api/v1/get-task-status", id, 40);
    expect(log.errors).toEqual([]);
    expect(log.finished).toEqual([]);
    expect(log.polls.at(-1)).toMatchObject({ id, status: "error" });
    expect(log.polls[0]?.status).toBe("running");
    expect(log.failed).toHaveLength(1);
    expect(log.failed[0]).toContain("HTTP 500");
  });

  it("stops on an HTTP error, as the document's catch does, for a task that does not exist", async () => {
    const log = await pollUntilDone("/api/v1/tasks", crypto.randomUUID(), 40);
    expect(log.polls).toEqual([]);
    expect(String(log.errors[0])).toContain("HTTP error! status: 404");
  });
});

describe("the document's alias at the root", () => {
  it("/get-task-status/{id}, as the document writes it, ends the poller on completed", async () => {
    const id = await createTask({ url: bucket().url, schedule: { delay: 100 } });
    const log = await pollUntilDone("/get-task-status", id, 40);
    expect(log.errors).toEqual([]);
    expect(log.polls.at(-1)).toMatchObject({ id, status: "completed", progress: 100 });
    // The same task, in the same envelope, as under /api/v1.
    const [root, native] = await Promise.all([
      api("GET", `/get-task-status/${id}`, { key: project.key }),
      api("GET", `/api/v1/tasks/${id}`, { key: project.key }),
    ]);
    expect(root.json).toEqual(native.json);
  });

  it("needs the API key and keeps other projects' tasks apart, like the native path", async () => {
    const id = await createTask({ url: bucket().url, schedule: { delay: "1h" } });
    const other = await createProject("task-status-other");
    expect((await api("GET", `/get-task-status/${id}`)).status).toBe(401);
    const foreign = await api<{ status: string; error: { code: string } }>(
      "GET",
      `/get-task-status/${id}`,
      { key: other.key },
    );
    expect(foreign.status).toBe(404);
    expect(foreign.json).toMatchObject({ status: "error", error: { code: "not_found" } });
  });
});

/** What the document's Go program decodes into: `TaskResponse`, with Go's strict number types. */
function decodeLikeGo(text: string): { status: string; progress: number; message: string } {
  const taskResp = JSON.parse(text) as { payload?: Record<string, unknown> };
  const p = taskResp.payload ?? {};
  // encoding/json refuses a non-integer into `Progress int` and a non-string into `string`.
  if (p.progress !== undefined && !Number.isInteger(p.progress)) {
    throw new Error(`json: cannot unmarshal number ${p.progress} into Go struct field .progress`);
  }
  for (const field of ["id", "status", "message"]) {
    if (p[field] !== undefined && p[field] !== null && typeof p[field] !== "string") {
      throw new Error(`json: cannot unmarshal into Go struct field .${field} of type string`);
    }
  }
  return {
    status: (p.status as string | undefined) ?? "",
    progress: (p.progress as number | undefined) ?? 0,
    message: (p.message as string | undefined) ?? "",
  };
}

describe("the document's Go example", () => {
  // No Go toolchain is needed to run the tests: this sends the request the Go program makes —
  // `http.Get(fmt.Sprintf("%s/tasks/%s", apiHost, taskId))` with apiHost ".../api/v1", Go's
  // default headers, and the Authorization header a user adds — and decodes the answer as its
  // TaskResponse struct does, printing what it prints.
  it("GET {apiHost}/tasks/{id} with Go's headers: decodes into TaskResponse and stops on completed", async () => {
    const id = await createTask({ url: bucket().url, schedule: { every: 100, occurrences: 3 } });
    const apiHost = "http://belfry.test/api/v1";
    const printed: string[] = [];
    for (let polls = 0; ; polls++) {
      expect(polls, printed.join("\n")).toBeLessThan(300);
      const resp = await exports.default.fetch(`${apiHost}/tasks/${id}`, {
        method: "GET",
        headers: {
          "User-Agent": "Go-http-client/1.1",
          "Accept-Encoding": "gzip",
          Authorization: `Bearer ${project.key}`,
        },
      });
      expect(resp.status).toBe(200);
      const payload = decodeLikeGo(await resp.text());
      printed.push(`Polling... Status: ${payload.status}, Progress: ${payload.progress}%`);
      if (payload.status === "completed") {
        printed.push("Task completed successfully.");
        break;
      }
      if (payload.status === "error") {
        printed.push(`Task failed: ${payload.message}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 40)); // time.Sleep(2 * time.Second), shortened
    }
    expect(printed.at(-2)).toBe("Polling... Status: completed, Progress: 100%");
    expect(printed.at(-1)).toBe("Task completed successfully.");
    expect(printed[0]).toMatch(/^Polling\.\.\. Status: running, Progress: \d+%$/);
  });

  it("progress is an integer even where the share is not whole (Go's `Progress int`)", async () => {
    // 1 of 3 occurrences is 33.3 %: a fraction would stop Go's decoder on every poll.
    const id = await createTask({ url: bucket().url, schedule: { every: 1000, occurrences: 3 } });
    const between = await eventually(async () => {
      const res = await exports.default.fetch(`http://belfry.test/api/v1/tasks/${id}`, {
        headers: { Authorization: `Bearer ${project.key}` },
      });
      const text = await res.text();
      const { progress } = JSON.parse(text).payload as TaskPayload;
      return progress > 0 && progress < 100 ? text : undefined;
    }, 15_000);
    expect(decodeLikeGo(between).progress).toBe(33);
    await api("POST", `/api/v1/tasks/${id}/cancel`, { key: project.key });
  });
});
