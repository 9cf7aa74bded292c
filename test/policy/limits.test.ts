import { beforeAll, describe, expect, it } from "vitest";
import { api, createProject, type TestProject } from "../support/helpers";

// Runs in the "policy" test project, which sets small limits in its bindings:
// MAX_BODY_BYTES 4096, MAX_HEADERS 3, MAX_HEADER_BYTES 64, MAX_ACTIVE_TASKS 3.

interface ErrorEnvelope {
  status: string;
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

interface Task {
  id: string;
  state: string;
}

const schedule = { at: "2099-01-01T00:00:00Z" };
const target = "https://example.com/hook";

function create(project: TestProject, body: Record<string, unknown> = {}) {
  return api<ErrorEnvelope & { payload: Task }>("POST", "/api/v1/tasks", {
    key: project.key,
    body: { url: target, schedule, ...body },
  });
}

async function listIds(project: TestProject, state: string): Promise<string[]> {
  const res = await api<{ payload: { results: Task[] } }>(
    "GET",
    `/api/v1/tasks?state=${state}&limit=100`,
    { key: project.key },
  );
  return res.json.payload.results.map((t) => t.id);
}

describe("limits follow the configuration", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject("configured-limits");
  });

  it("MAX_BODY_BYTES", async () => {
    const res = await create(project, { body: "x".repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.json.error.message).toBe("body: must be at most 4096 bytes");
  });

  it("MAX_HEADERS and MAX_HEADER_BYTES", async () => {
    const four = { "X-A": "1", "X-B": "2", "X-C": "3", "X-D": "4" };
    const tooMany = await create(project, { headers: four });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.message).toBe("headers: at most 3 headers are allowed");
    const tooBig = await create(project, { headers: { "X-A": "v".repeat(62) } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.error.message).toBe("headers.X-A: must be at most 64 bytes");
  });
});

describe("MAX_ACTIVE_TASKS: active and paused tasks per project", () => {
  let full: TestProject;
  let first: Task;
  let second: Task;
  beforeAll(async () => {
    full = await createProject("quota-full");
    first = (await create(full, { idempotency_key: "first" })).json.payload;
    second = (await create(full)).json.payload;
    await create(full);
    // A paused task still counts: resuming it must not take the project over the limit.
    expect((await api("POST", `/api/v1/tasks/${second.id}/pause`, { key: full.key })).status).toBe(
      200,
    );
  });

  it("a create beyond the limit is a 409 conflict that creates nothing", async () => {
    const res = await create(full, { name: "one too many" });
    expect(res.status).toBe(409);
    expect(res.json).toEqual({
      status: "error",
      error: {
        code: "conflict",
        message:
          "project has 3 active or paused tasks, the most allowed (MAX_ACTIVE_TASKS); " +
          "cancel or delete some first",
        details: [],
      },
    });
    expect(await listIds(full, "active,paused")).toHaveLength(3);
  });

  it("replaying the idempotency key of an existing task still answers it", async () => {
    const replay = await create(full, { idempotency_key: "first" });
    expect(replay.status).toBe(200);
    expect(replay.json.payload.id).toBe(first.id);
    expect((await create(full, { idempotency_key: "new" })).status).toBe(409);
  });

  it("another project is not affected", async () => {
    const other = await createProject("quota-other");
    expect((await create(other)).status).toBe(201);
  });

  it("cancelling or deleting a task makes room for one more", async () => {
    expect((await api("POST", `/api/v1/tasks/${first.id}/cancel`, { key: full.key })).status).toBe(
      200,
    );
    const third = await create(full);
    expect(third.status).toBe(201);
    expect((await create(full)).status).toBe(409);

    expect((await api("DELETE", `/api/v1/tasks/${second.id}`, { key: full.key })).status).toBe(200);
    expect((await create(full)).status).toBe(201);
    expect((await create(full)).status).toBe(409);
    expect(await listIds(full, "active,paused")).toHaveLength(3);
  });
});
