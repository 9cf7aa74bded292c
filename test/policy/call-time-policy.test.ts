import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AttemptView as Attempt } from "../../src/core/history";
import { buildDefinition, type TaskLimits } from "../../src/core/task-definition";
import { taskObject } from "../../src/task-address";
import { api, createProject, eventually } from "../support/helpers";

// Runs in the "policy" test project: private URLs are refused, as in a deploy. A task created
// while the deployment allowed them (BELFRY_ALLOW_PRIVATE_URLS=1, since turned off) meets the
// policy again at each call.

const earlierPolicy: TaskLimits = {
  minIntervalMs: 1_000,
  allowPrivateUrls: true,
  maxHeaders: 50,
  maxHeaderBytes: 8_192,
};

describe("the URL policy when a call is made", () => {
  it("a target that became private fails its attempt with a clear error, and is never called", async () => {
    const project = await createProject("call-time-policy");
    const id = crypto.randomUUID();
    const def = buildDefinition(
      {
        url: "http://127.0.0.1:9/hook",
        query: { a: "1" },
        schedule: { delay: 0 },
        retry: { attempts: 1 },
      },
      { id, projectId: project.id },
      Date.now(),
      earlierPolicy,
    );
    const stub = taskObject(env, id);
    const created = (await stub.create(def)) as { ok: boolean };
    expect(created.ok).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const task = await api<{ payload: { state: string; message: string } }>(
      "GET",
      `/api/v1/tasks/${id}`,
      { key: project.key },
    );
    expect(task.json.payload.state).toBe("failed");
    const attempts = await eventually(async () => {
      const res = await api<{ payload: { results: Attempt[] } }>(
        "GET",
        `/api/v1/tasks/${id}/executions`,
        { key: project.key },
      );
      return res.json.payload.results.length > 0 ? res.json.payload.results : undefined;
    });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status_code: null, successful: false });
    expect(attempts[0]?.error).toContain(
      "url: host 127.0.0.1 is a private, loopback, link-local or metadata address",
    );
  });
});

describe("the URL a call goes to, query included, is at most 2048 characters", () => {
  it("a create or patch whose query makes the URL too long is a 400 naming query", async () => {
    const project = await createProject("query-length");
    const url = `https://example.com/${"p".repeat(1_990)}`;
    const long = { q: "x".repeat(60) };
    const refused = await api<{ error: { message: string; details: unknown[] } }>(
      "POST",
      "/api/v1/tasks",
      { key: project.key, body: { url, query: long, schedule: { delay: "1h" } } },
    );
    expect(refused.status).toBe(400);
    expect(refused.json.error.details).toEqual([
      { path: "query", message: "makes the URL longer than 2048 characters" },
    ]);
    const created = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url, query: { q: "x" }, schedule: { delay: "1h" } },
    });
    expect(created.status).toBe(201);
    const patched = await api<{ error: { message: string } }>(
      "PATCH",
      `/api/v1/tasks/${created.json.payload.id}`,
      { key: project.key, body: { query: long } },
    );
    expect(patched.status).toBe(400);
    expect(patched.json.error.message).toBe("query: makes the URL longer than 2048 characters");
  });
});
