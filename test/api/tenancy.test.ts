import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { ADMIN_TOKEN, api, bucket, createProject, type TestProject } from "../support/helpers";
import { create, inHour } from "../support/task-list";

async function listIds(project: TestProject): Promise<string[]> {
  const res = await api<{ payload: { results: Task[] } }>("GET", "/api/v1/tasks?limit=100", {
    key: project.key,
  });
  expect(res.status).toBe(200);
  return res.json.payload.results.map((t) => t.id);
}

/** Call the API with a raw Authorization header (or none), as a misconfigured client would. */
async function withAuthorization(method: string, path: string, authorization: string | null) {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  const res = await exports.default.fetch(`http://belfry.test${path}`, { method, headers });
  return { status: res.status, json: (await res.json()) as ErrorEnvelope };
}

const unauthorized = {
  status: "error",
  error: { code: "unauthorized", message: expect.any(String) },
};

describe("one project cannot see or touch another's tasks", () => {
  let a: TestProject;
  let b: TestProject;
  let taskA: Task;
  const at = inHour();
  beforeAll(async () => {
    a = await createProject("tenant-a");
    b = await createProject("tenant-b");
    taskA = await create(a, {
      name: "a-only",
      url: bucket().url,
      schedule: { at },
      idempotency_key: "shared-key",
    });
  });

  it("every task route answers 404 with the envelope, and A's task is untouched", async () => {
    const id = taskA.id;
    const attempts: [string, string, unknown][] = [
      ["GET", `/api/v1/tasks/${id}`, undefined],
      ["GET", `/api/v1/get-task-status/${id}`, undefined],
      ["PATCH", `/api/v1/tasks/${id}`, { name: "hijacked" }],
      ["POST", `/api/v1/tasks/${id}/pause`, undefined],
      ["POST", `/api/v1/tasks/${id}/resume`, undefined],
      ["POST", `/api/v1/tasks/${id}/run`, undefined],
      ["POST", `/api/v1/tasks/${id}/cancel`, undefined],
      ["DELETE", `/api/v1/tasks/${id}`, undefined],
      ["GET", `/api/v1/tasks/${id}/executions`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api<ErrorEnvelope>(method, path, { key: b.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toEqual({
        status: "error",
        error: { code: "not_found", message: "task not found", details: [] },
      });
    }

    const mine = await api<{ payload: Task }>("GET", `/api/v1/tasks/${id}`, { key: a.key });
    expect(mine.status).toBe(200);
    expect(mine.json.payload).toMatchObject({
      name: "a-only",
      state: "active",
      next_run_at: at,
      executions: { total: 0 },
    });
  });

  it("lists show only the caller's own tasks", async () => {
    const taskB = await create(b, { name: "b-only", url: bucket().url, schedule: { at } });
    expect(await listIds(b)).toEqual([taskB.id]);
    const idsA = await listIds(a);
    expect(idsA).toContain(taskA.id);
    expect(idsA).not.toContain(taskB.id);
  });

  it("the same idempotency key in another project makes a separate task", async () => {
    const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: b.key,
      body: { url: bucket().url, schedule: { at }, idempotency_key: "shared-key" },
    });
    expect(res.status).toBe(201);
    expect(res.json.payload.id).not.toBe(taskA.id);
    expect(res.json.payload.name).toBeNull();
  });
});

describe("API keys", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("keys");
  });

  it("a missing, malformed or unknown key is a 401 with the envelope", async () => {
    for (const header of [
      null,
      "",
      "Bearer",
      "Bearer ",
      `Basic ${btoa("user:pass")}`,
      `Bearer ${project.key} extra`,
      `Token ${project.key}`,
      "Bearer blf_not_a_real_key",
    ]) {
      const res = await withAuthorization("GET", "/api/v1/tasks", header);
      expect(res.status, String(header)).toBe(401);
      expect(res.json).toMatchObject(unauthorized);
    }
    expect((await withAuthorization("GET", "/api/v1/tasks", `Bearer ${project.key}`)).status).toBe(
      200,
    );
  });

  it("the admin token is not an API key, and an API key is not the admin token", async () => {
    const asKey = await api<ErrorEnvelope>("GET", "/api/v1/tasks", { key: ADMIN_TOKEN });
    expect(asKey.status).toBe(401);
    expect(asKey.json).toMatchObject(unauthorized);

    const adminCalls: [string, string, unknown][] = [
      ["POST", "/api/v1/projects", { name: "sneaky" }],
      ["POST", `/api/v1/projects/${project.id}/keys`, undefined],
      ["DELETE", `/api/v1/projects/${project.id}/keys/${project.keyId}`, undefined],
      ["POST", `/api/v1/projects/${project.id}/signing-secret/rotate`, undefined],
    ];
    for (const [method, path, body] of adminCalls) {
      const res = await api<ErrorEnvelope>(method, path, { key: project.key, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.json).toMatchObject(unauthorized);
    }
    // The refused revoke did not revoke anything.
    expect((await api("GET", "/api/v1/tasks", { key: project.key })).status).toBe(200);
  });

  it("a revoked key is refused on its next request; the project's other keys still work", async () => {
    const issued = await api<{ payload: { key_id: string; api_key: string } }>(
      "POST",
      `/api/v1/projects/${project.id}/keys`,
      { key: ADMIN_TOKEN },
    );
    expect(issued.status).toBe(201);
    const { key_id, api_key } = issued.json.payload;
    expect((await api("GET", "/api/v1/tasks", { key: api_key })).status).toBe(200);

    const revoked = await api("DELETE", `/api/v1/projects/${project.id}/keys/${key_id}`, {
      key: ADMIN_TOKEN,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ status: "success", payload: { key_id, revoked: true } });

    const refused = await api<ErrorEnvelope>("GET", "/api/v1/tasks", { key: api_key });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject(unauthorized);
    expect((await api("GET", "/api/v1/tasks", { key: project.key })).status).toBe(200);

    const again = await api("DELETE", `/api/v1/projects/${project.id}/keys/${key_id}`, {
      key: ADMIN_TOKEN,
    });
    expect(again.status).toBe(404);
  });

  it("keys are stored only as SHA-256 hashes and a short prefix, never in the clear", async () => {
    const issued = await api<{ payload: { key_id: string; api_key: string } }>(
      "POST",
      `/api/v1/projects/${project.id}/keys`,
      { key: ADMIN_TOKEN },
    );
    const { key_id, api_key } = issued.json.payload;
    // 32 random bytes, base64url, after the bf_ prefix.
    expect(api_key).toMatch(/^bf_[A-Za-z0-9_-]{43}$/);
    const rows = await env.DB.prepare("SELECT * FROM api_keys WHERE project_id = ?")
      .bind(project.id)
      .all<Record<string, unknown>>();
    const stored = JSON.stringify(rows.results);
    for (const key of [project.key, api_key]) {
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(3));
    }
    const row = rows.results.find((r) => r.id === key_id);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(api_key));
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    expect(row).toMatchObject({ hash: hex, prefix: api_key.slice(0, 10), revoked_at: null });
  });

  it("a key differing from a live one in its last character is refused", async () => {
    const last = project.key.at(-1) === "A" ? "B" : "A";
    const near = `${project.key.slice(0, -1)}${last}`;
    for (const key of [
      near,
      project.key.slice(0, -1),
      `${project.key}A`,
      project.key.toUpperCase(),
    ]) {
      expect((await api("GET", "/api/v1/tasks", { key })).status, key).toBe(401);
    }
  });

  it("a key cannot be revoked through another project's id", async () => {
    const other = await createProject("keys-other");
    const res = await api("DELETE", `/api/v1/projects/${other.id}/keys/${project.keyId}`, {
      key: ADMIN_TOKEN,
    });
    expect(res.status).toBe(404);
    expect((await api("GET", "/api/v1/tasks", { key: project.key })).status).toBe(200);
  });
});

describe("GET /api/v1/get-task-status/{id}", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("status-alias");
  });

  it("answers the same payload as GET /api/v1/tasks/{id}, led by the status document's five fields", async () => {
    const task = await create(project, {
      name: "alias",
      url: bucket().url,
      schedule: { at: inHour() },
    });
    const cancelled = await create(project, { url: bucket().url, schedule: { at: inHour() } });
    expect(
      (await api("POST", `/api/v1/tasks/${cancelled.id}/cancel`, { key: project.key })).status,
    ).toBe(200);

    for (const id of [task.id, cancelled.id]) {
      const full = await api<{ payload: Record<string, unknown> }>("GET", `/api/v1/tasks/${id}`, {
        key: project.key,
      });
      const alias = await api<{ payload: Record<string, unknown> }>(
        "GET",
        `/api/v1/get-task-status/${id}`,
        { key: project.key },
      );
      expect(full.status).toBe(200);
      expect(alias.status).toBe(200);
      expect(alias.json).toEqual(full.json);
      expect(Object.keys(alias.json.payload).slice(0, 5)).toEqual([
        "id",
        "status",
        "progress",
        "message",
        "data",
      ]);
    }

    const running = await api<{ payload: Record<string, unknown> }>(
      "GET",
      `/api/v1/get-task-status/${task.id}`,
      { key: project.key },
    );
    expect(running.json.payload).toMatchObject({
      id: task.id,
      status: "running",
      progress: 0,
      message: expect.any(String),
      data: null,
    });
    const finished = await api<{ payload: Record<string, unknown> }>(
      "GET",
      `/api/v1/get-task-status/${cancelled.id}`,
      { key: project.key },
    );
    expect(finished.json.payload).toMatchObject({
      status: "completed",
      data: { executions: { total: 0, succeeded: 0, failed: 0 }, last_response: null },
    });

    const unknown = await api<ErrorEnvelope>(
      "GET",
      `/api/v1/get-task-status/${crypto.randomUUID()}`,
      { key: project.key },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ status: "error", error: { code: "not_found" } });
  });
});
