import { describe, expect, it } from "vitest";
import type { TaskDefinition } from "../../src/core/task-definition";
import {
  completeIfDone,
  parseBody,
  recordAttempt,
  type TaskRuntime,
} from "../../src/core/task-runtime";
import type { Timer } from "../../src/core/timers";
import { firstCall, targetAnswer, taskDefinition } from "../support/tasks";

const NOW = Date.UTC(2026, 10, 24, 12);

const definition = (schedule: TaskDefinition["schedule"]) =>
  taskDefinition(NOW - 10_000, { id: "task-1", schedule });

const every = definition({ kind: "every", every: 1_000, createdAt: NOW, misfire: "run_once" });
const once = definition({ kind: "once", at: NOW });

function runtime(nextRunAt: number | null, timers: Timer[]): TaskRuntime {
  return {
    progress: {
      state: "active",
      next_run_at: nextRunAt,
      last_run_at: null,
      executions: { total: 0, succeeded: 0, failed: 0 },
      occurrences_used: 1,
      last_response: null,
      last_error: null,
      reason: null,
      finished_at: null,
      version: 1,
    },
    timers,
    last_number: 1,
  };
}

const timer = firstCall(NOW);
const answer = (status: number | null, body = "", headers: Record<string, string> = {}) =>
  targetAnswer(NOW, status, body, headers);

describe("recordAttempt", () => {
  it("counts a successful occurrence and keeps its answer for $previous", () => {
    const rt = runtime(NOW + 1_000, [timer]);
    const { record, retrying } = recordAttempt(every, rt, timer, answer(200, '{"a":1}'), NOW + 30);
    expect(retrying).toBe(false);
    expect(record).toMatchObject({
      id: "task-1-x-1:1",
      successful: true,
      final: true,
      error: null,
    });
    expect(record.lateness_ms).toBe(5);
    expect(rt.timers).toEqual([]);
    expect(rt.progress.executions).toEqual({ total: 1, succeeded: 1, failed: 0 });
    expect(rt.progress.last_response).toEqual({ status_code: 200, body: { a: 1 } });
    expect(rt.progress.state).toBe("active");
  });

  it("queues the retry after the backoff without counting the occurrence", () => {
    const rt = runtime(NOW + 1_000, [timer]);
    const { record, retrying } = recordAttempt(every, rt, timer, answer(503), NOW + 30);
    expect(retrying).toBe(true);
    expect(record).toMatchObject({ successful: false, final: false, error: "HTTP 503" });
    expect(rt.timers).toHaveLength(1);
    expect(rt.timers[0]).toMatchObject({ execution_id: timer.execution_id, attempt: 2 });
    expect(rt.timers[0]?.due_at).toBeGreaterThanOrEqual(NOW + 30 + 1_000);
    expect(rt.progress.executions.total).toBe(0);
  });

  it("stops the task on 410 Gone", () => {
    const rt = runtime(NOW + 1_000, [timer]);
    recordAttempt(every, rt, timer, answer(410), NOW + 30);
    expect(rt.progress).toMatchObject({
      state: "failed",
      next_run_at: null,
      finished_at: NOW + 30,
    });
    expect(rt.progress.reason).toMatch(/410/);
  });

  it("fails a one-time task whose only call failed for good, but not for a manual run", () => {
    const last = { ...timer, attempt: 3 };
    const rt = runtime(null, [last]);
    recordAttempt(once, rt, last, answer(null), NOW + 30);
    expect(rt.progress.state).toBe("failed");
    expect(rt.progress.last_error).toBe("connection failed: refused");

    const manual = { ...last, manual: true };
    const pending = { ...timer, execution_id: "task-1-x-2", number: 2, due_at: NOW + 60_000 };
    const rt2 = runtime(null, [manual, pending]);
    recordAttempt(once, rt2, manual, answer(null), NOW + 30);
    expect(rt2.progress.state).toBe("active");
  });

  it("completes a task once nothing is left to call", () => {
    const rt = runtime(null, [timer]);
    recordAttempt(once, rt, timer, answer(204), NOW + 30);
    expect(rt.progress).toMatchObject({ state: "completed", finished_at: NOW + 30 });
    expect(completeIfDone(rt, NOW + 40)).toBe(false);
  });
});

describe("parseBody", () => {
  it("parses JSON and keeps anything else as text", () => {
    expect(parseBody('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseBody("ok")).toBe("ok");
    expect(parseBody("{broken")).toBe("{broken");
    expect(parseBody("")).toBe("");
  });
});
