import { beforeAll, describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, createProject, type TestProject } from "../support/helpers";

// Runs in the "policy" test project: BELFRY_ALLOW_PRIVATE_URLS is not "1", as in a deploy.
// test/core/url-policy.test.ts holds the full table of spellings; here each field, at create
// and at patch, is checked against a sample of them through the API.

const REFUSED = [
  "http://0x7f.1/",
  "http://2130706433/",
  "http://017700000001/",
  "http://127.1/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[fd00:ec2::254]/",
  "http://169.254.169.254/latest/meta-data/",
  "http://100.64.0.1/",
  "http://10.1.2.3/",
  "http://foo.internal/",
  "http://LOCALHOST./",
  "http://printer.local/",
  "http://user:pw@example.com/",
];

const PUBLIC = "https://example.com/hook";
const FIELDS = ["url", "callback_url", "events_url"] as const;
// Far enough ahead that nothing fires while the tests run.
const schedule = { at: "2099-01-01T00:00:00Z" };

/** The answer is a 400 naming `field`, whose message says what is wrong with the URL. */
function expectUrlRefused(res: { status: number; json: ErrorEnvelope }, field: string) {
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.json.error.code).toBe("invalid_request");
  expect(res.json.error.details[0]).toEqual({
    path: field,
    message: expect.stringMatching(/private|local or internal|credentials/),
  });
  expect(res.json.error.message.startsWith(`${field}: `)).toBe(true);
}

describe.each(FIELDS)("%s in a deployment", (field) => {
  // Each block has its own project, so its key stays well under the test rate limit.
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject(`url-policy-${field}`);
  });

  it("is refused at create for every private, local or credentialed spelling", async () => {
    for (const url of REFUSED) {
      const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
        key: project.key,
        body: { url: PUBLIC, schedule, [field]: url },
      });
      expectUrlRefused(res, field);
    }
  });

  it("is refused at patch, and the task keeps its old value", async () => {
    const created = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: PUBLIC, schedule, [field]: PUBLIC },
    });
    expect(created.status).toBe(201);
    const { id } = created.json.payload;
    for (const url of REFUSED) {
      const res = await api<ErrorEnvelope>("PATCH", `/api/v1/tasks/${id}`, {
        key: project.key,
        body: { [field]: url },
      });
      expectUrlRefused(res, field);
    }
    const task = await api<{ payload: Task }>("GET", `/api/v1/tasks/${id}`, { key: project.key });
    expect(task.json.payload[field]).toBe(PUBLIC);
  });

  it("accepts a public URL, at create and at patch", async () => {
    const created = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: PUBLIC, schedule, [field]: "https://93.184.215.14/a" },
    });
    expect(created.status).toBe(201);
    expect(created.json.payload[field]).toBe("https://93.184.215.14/a");
    const patched = await api<{ payload: Task }>(
      "PATCH",
      `/api/v1/tasks/${created.json.payload.id}`,
      { key: project.key, body: { [field]: "https://[2606:4700:4700::1111]/b" } },
    );
    expect(patched.status).toBe(200);
    expect(patched.json.payload[field]).toBe("https://[2606:4700:4700::1111]/b");
  });
});
