// Creating and listing tasks through the native API, as the listing and label tests do.
import { expect } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import type { ErrorEnvelope, Page } from "../../src/wire/answers";
import { api, type TestProject } from "./helpers";

/** An instant an hour from now: a one-time task created for it does not fire during a test. */
export const inHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** Create a task; anything but a 201 fails the test with the answer. */
export async function create(project: TestProject, body: Record<string, unknown>): Promise<Task> {
  const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", { key: project.key, body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.payload;
}

/** GET /api/v1/tasks with a query string. */
export function list(project: TestProject, query: string) {
  return api<{ payload: Page<Task> } & ErrorEnvelope>("GET", `/api/v1/tasks?${query}`, {
    key: project.key,
  });
}

/** The names of the tasks a list answers, sorted. */
export async function names(project: TestProject, query: string): Promise<string[]> {
  const res = await list(project, query);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.payload.results.map((t) => t.name ?? "(unnamed)").sort();
}
