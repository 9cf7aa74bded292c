// Tasks as the core and the index hold them, built without the API: for unit tests of the
// lifecycle rules and the task runtime, and for query tests of the task index.
import { startRuntime } from "../../src/core/lifecycle";
import type { TaskDefinition } from "../../src/core/task-definition";
import type { AttemptResult } from "../../src/core/task-runtime";
import type { TaskProgress, TaskSnapshot } from "../../src/core/task-view";
import type { Timer } from "../../src/core/timers";

/** An every-second task calling example.com, created at `createdAt`; fields may be replaced. */
export function taskDefinition(
  createdAt: number,
  fields: Partial<TaskDefinition> = {},
): TaskDefinition {
  return {
    id: crypto.randomUUID(),
    project_id: "p",
    name: null,
    url: "https://example.com/hook",
    method: "POST",
    headers: {},
    query: {},
    schedule: { kind: "every", every: 1_000, createdAt, misfire: "run_once" },
    retry: { attempts: 3, backoff: 1_000, max_backoff: 60_000 },
    timeout: 30_000,
    callback_url: null,
    events_url: null,
    idempotency_key: null,
    access_token: null,
    created_at: createdAt,
    updated_at: createdAt,
    ...fields,
  };
}

/** A task as its object would index it right after the create, with `progress` fields replaced. */
export function taskSnapshot(
  definition: TaskDefinition,
  progress: Partial<TaskProgress> = {},
): TaskSnapshot {
  const runtime = startRuntime(definition, definition.created_at);
  return { definition, progress: { ...runtime.progress, ...progress } };
}

/** The first scheduled call of task "task-1", due at `at`. */
export function firstCall(at: number): Timer {
  return {
    execution_id: "task-1-x-1",
    number: 1,
    attempt: 1,
    scheduled_at: at,
    due_at: at,
    manual: false,
  };
}

/** A target's answer to a call started 5 ms after `at`; a null status is a refused connection. */
export function targetAnswer(
  at: number,
  status: number | null,
  body = "",
  headers: Record<string, string> = {},
): AttemptResult {
  return {
    status_code: status,
    error: status === null ? "connection failed: refused" : null,
    headers,
    body,
    truncated: false,
    started_at: at + 5,
    duration_ms: 20,
  };
}
