import { describe, expect, it } from "vitest";
import { BelfryError } from "../../src/core/errors";
import {
  cancelTask,
  countOccurrence,
  nextCall,
  patchTask,
  pauseTask,
  queueManualRun,
  resumeTask,
  startRuntime,
  wakeTime,
} from "../../src/core/lifecycle";
import type { TaskDefinition } from "../../src/core/task-definition";
import { type AttemptResult, recordAttempt, type TaskRuntime } from "../../src/core/task-runtime";
import { alarmTime, executionIdPrefix } from "../../src/core/timers";
import { taskDefinition } from "../support/tasks";

const NOW = Date.UTC(2026, 11, 2, 12);
const LIMITS = {
  minIntervalMs: 10,
  allowPrivateUrls: true,
  maxHeaders: 50,
  maxHeaderBytes: 8192,
};

const definition = () => taskDefinition(NOW);

function conflict(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BelfryError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return "no error";
}

describe("the lifecycle rules", () => {
  it("start a task active, waiting for its first grid point", () => {
    const runtime = startRuntime(definition(), NOW);
    expect(runtime.progress).toMatchObject({ state: "active", next_run_at: NOW + 1_000 });
    expect(wakeTime(runtime)).toBe(NOW + 1_000);
  });

  it("pause and resume, each idempotent; a paused task wakes only for manual runs", () => {
    const def = definition();
    const runtime = startRuntime(def, NOW);
    pauseTask(runtime);
    pauseTask(runtime);
    expect(runtime.progress.state).toBe("paused");
    expect(wakeTime(runtime)).toBeNull();
    queueManualRun(def, runtime, NOW + 5, 10);
    expect(wakeTime(runtime)).toBe(NOW + 5);
    resumeTask(runtime);
    resumeTask(runtime);
    expect(runtime.progress.state).toBe("active");
  });

  it("refuse what a finished task cannot do, naming its state", () => {
    const def = definition();
    const runtime = startRuntime(def, NOW);
    cancelTask(runtime, NOW);
    cancelTask(runtime, NOW);
    expect(runtime.progress).toMatchObject({ state: "cancelled", next_run_at: null });
    expect(conflict(() => resumeTask(runtime))).toBe(
      "conflict: task is cancelled and cannot be resumed",
    );
    expect(conflict(() => pauseTask(runtime))).toBe(
      "conflict: task is cancelled and cannot be paused",
    );
    expect(conflict(() => queueManualRun(def, runtime, NOW, 10))).toContain("cannot run");
    expect(conflict(() => patchTask(def, runtime, { name: "x" }, NOW, LIMITS))).toContain(
      "can no longer be changed",
    );
  });

  it("bound the manual runs waiting at once, naming the budget", () => {
    const def = definition();
    const runtime = startRuntime(def, NOW);
    for (let i = 0; i < 3; i++) queueManualRun(def, runtime, NOW + i, 3);
    expect(runtime.timers.map((t) => t.number)).toEqual([1, 2, 3]);
    expect(conflict(() => queueManualRun(def, runtime, NOW, 3))).toMatch(
      /^conflict: MAX_QUEUED_RUNS: /,
    );
  });

  it("start a new schedule afresh: its grid, its count and new execution ids", () => {
    const def = definition();
    const runtime = startRuntime(def, NOW);
    const first = nextCall(def, runtime, NOW + 1_000);
    expect(first?.execution_id).toBe(
      `${executionIdPrefix(def.id, NOW)}${(NOW + 1_000).toString(36)}`,
    );
    runtime.timers = [];
    runtime.progress.occurrences_used = 1;
    const patched = patchTask(
      def,
      runtime,
      { schedule: { every: 1_000, begins: NOW + 2_000 } },
      NOW + 1_500,
      LIMITS,
    );
    expect(runtime.progress).toMatchObject({ next_run_at: NOW + 2_000, occurrences_used: 0 });
    const next = nextCall(patched, runtime, NOW + 2_000);
    // The same instant under the new schedule gets an id of its own.
    expect(next?.execution_id).toBe(
      `${executionIdPrefix(def.id, NOW)}1.${(NOW + 2_000).toString(36)}`,
    );
  });

  it("patching a recurring task to one call behaves as a fresh one-time task", () => {
    const def = definition();
    const runtime = startRuntime(def, NOW);
    runtime.progress.occurrences_used = 5;
    const at = NOW + 60_000;
    const patched = patchTask(def, runtime, { schedule: { at } }, NOW + 1, LIMITS);
    expect(patched.schedule).toEqual({ kind: "once", at: NOW + 60_000 });
    expect(runtime.progress).toMatchObject({ next_run_at: NOW + 60_000, occurrences_used: 0 });
    const call = nextCall(patched, runtime, NOW + 60_000);
    expect(call).toMatchObject({ scheduled_at: NOW + 60_000, manual: false });
    expect(runtime.progress.next_run_at).toBeNull();
  });
});

/** The call due at `at` answered with `status`, recorded and counted as the task object does. */
function answer(def: TaskDefinition, runtime: TaskRuntime, at: number, status: number) {
  const timer = nextCall(def, runtime, at);
  if (!timer) throw new Error(`no call due at ${at}`);
  const result: AttemptResult = {
    status_code: status,
    error: null,
    headers: {},
    body: "",
    truncated: false,
    started_at: at,
    duration_ms: 5,
  };
  const { record } = recordAttempt(def, runtime, timer, result, at + 5);
  return { record, outcome: countOccurrence(def, runtime, record) };
}

describe("the failure policy", () => {
  const once = { attempts: 1, backoff: 1_000, max_backoff: 1_000 };

  it("pauses an active task after that many failed occurrences in a row", () => {
    const def = { ...definition(), retry: once, pause_after_failures: 3 };
    const runtime = startRuntime(def, NOW);
    const first = answer(def, runtime, NOW + 1_000, 500);
    expect(first.outcome).toEqual({ consecutive_failures: 1, paused: false, recovered: false });
    answer(def, runtime, NOW + 2_000, 502);
    expect(runtime.progress).toMatchObject({ state: "active", consecutive_failures: 2 });
    const third = answer(def, runtime, NOW + 3_000, 500);
    expect(third.outcome).toEqual({ consecutive_failures: 3, paused: true, recovered: false });
    expect(runtime.progress).toMatchObject({
      state: "paused",
      paused_reason: "failures",
      consecutive_failures: 3,
    });
    // Paused: the grid point after it makes no call.
    expect(nextCall(def, runtime, NOW + 4_000)).toBeNull();
  });

  it("counts occurrences, not attempts: retries of one occurrence are one failure", () => {
    const def = {
      ...definition(),
      retry: { attempts: 3, backoff: 10, max_backoff: 10 },
      pause_after_failures: 2,
    };
    const runtime = startRuntime(def, NOW);
    expect(answer(def, runtime, NOW + 1_000, 500).outcome).toBeNull();
    expect(answer(def, runtime, NOW + 1_020, 500).outcome).toBeNull();
    const last = answer(def, runtime, NOW + 1_040, 500);
    expect(last.record.final).toBe(true);
    expect(last.outcome).toMatchObject({ consecutive_failures: 1, paused: false });
    expect(runtime.progress.state).toBe("active");
  });

  it("a success clears the count and says the task recovered", () => {
    const def = { ...definition(), retry: once, pause_after_failures: 3 };
    const runtime = startRuntime(def, NOW);
    answer(def, runtime, NOW + 1_000, 500);
    answer(def, runtime, NOW + 2_000, 500);
    const ok = answer(def, runtime, NOW + 3_000, 200);
    expect(ok.outcome).toEqual({ consecutive_failures: 0, paused: false, recovered: true });
    // A success after a success is no recovery.
    expect(answer(def, runtime, NOW + 4_000, 204).outcome?.recovered).toBe(false);
    answer(def, runtime, NOW + 5_000, 500);
    expect(runtime.progress).toMatchObject({ state: "active", consecutive_failures: 1 });
  });

  it("resume starts the count afresh; a user's pause says so", () => {
    const def = { ...definition(), retry: once, pause_after_failures: 1 };
    const runtime = startRuntime(def, NOW);
    answer(def, runtime, NOW + 1_000, 500);
    expect(runtime.progress).toMatchObject({ state: "paused", paused_reason: "failures" });
    resumeTask(runtime);
    expect(runtime.progress).toMatchObject({
      state: "active",
      paused_reason: null,
      consecutive_failures: 0,
    });
    pauseTask(runtime);
    expect(runtime.progress).toMatchObject({ state: "paused", paused_reason: "user" });
    resumeTask(runtime);
    // The first success after the failure is still its recovery.
    expect(answer(def, runtime, NOW + 2_000, 200).outcome?.recovered).toBe(true);
  });

  it("without pause_after_failures counts but never pauses", () => {
    const def = { ...definition(), retry: once };
    const runtime = startRuntime(def, NOW);
    for (let i = 1; i <= 5; i++) answer(def, runtime, NOW + i * 1_000, 500);
    expect(runtime.progress).toMatchObject({ state: "active", consecutive_failures: 5 });
  });

  it("410 Gone still ends the task failed, not paused", () => {
    const def = { ...definition(), retry: once, pause_after_failures: 1 };
    const runtime = startRuntime(def, NOW);
    const gone = answer(def, runtime, NOW + 1_000, 410);
    expect(gone.outcome).toMatchObject({ paused: false, consecutive_failures: 1 });
    expect(runtime.progress).toMatchObject({ state: "failed", paused_reason: null });
  });
});

describe("the alarm time", () => {
  const now = Date.UTC(2026, 10, 24, 12);

  it("is the earliest wake-up wanted, never one already past, and none when nothing waits", () => {
    expect(alarmTime([now + 500, null, now + 200], now)).toBe(now + 200);
    expect(alarmTime([now - 1_000, now + 200], now)).toBe(now + 1);
    expect(alarmTime([null, null], now)).toBeNull();
  });
});
