import { describe, expect, it } from "vitest";
import { settleAttempt } from "../../src/core/attempt-outcome";
import { startRuntime } from "../../src/core/lifecycle";
import { firstCall, targetAnswer, taskDefinition } from "../support/tasks";

const NOW = Date.UTC(2026, 10, 24, 12);

const timer = firstCall(NOW);
const answer = (status: number | null, body = "", headers: Record<string, string> = {}) =>
  targetAnswer(NOW, status, body, headers);

const alerts = { url: "https://alerts.example/hook", events: ["task.failed" as const] };

describe("settling a finished attempt", () => {
  it("records a success, keeps its $state and bumps the version", () => {
    const def = taskDefinition(NOW - 10_000, { id: "task-1" });
    const runtime = startRuntime(def, NOW - 10_000);
    const version = runtime.progress.version;
    const settled = settleAttempt(
      def,
      def,
      runtime,
      timer,
      answer(200, '{"$state":{"n":2}}'),
      null,
      NOW,
    );
    expect(settled.record).toMatchObject({ successful: true, final: true, status_code: 200 });
    expect(settled.jobState).toEqual({ n: 2 });
    expect(settled.stateChanged).toBe(false);
    expect(settled.notifications).toEqual([]);
    expect(runtime.progress.executions).toEqual({ total: 1, succeeded: 1, failed: 0 });
    expect(runtime.progress.version).toBeGreaterThan(version);
  });

  it("sets no $state from a failed answer", () => {
    const def = taskDefinition(NOW - 10_000, {
      id: "task-1",
      retry: { attempts: 1, backoff: 1_000, max_backoff: 1_000 },
    });
    const runtime = startRuntime(def, NOW - 10_000);
    const settled = settleAttempt(def, def, runtime, timer, answer(500, '{"$state":1}'), null, NOW);
    expect(settled.record.successful).toBe(false);
    expect(settled.jobState).toBeUndefined();
  });

  it("announces to the definition the call was sent with, and alerts on the state it ends in", () => {
    const sent = taskDefinition(NOW - 10_000, {
      id: "task-1",
      schedule: { kind: "once", at: NOW },
      retry: { attempts: 1, backoff: 1_000, max_backoff: 1_000 },
      callback_url: "https://old.example/callback",
    });
    // Patched while the call was in flight: the callback moved.
    const current = { ...sent, callback_url: "https://new.example/callback" };
    const runtime = startRuntime(sent, NOW - 10_000);
    runtime.timers = [timer];
    const settled = settleAttempt(sent, current, runtime, timer, answer(null), alerts, NOW);
    expect(settled.stateChanged).toBe(true);
    expect(runtime.progress.state).toBe("failed");
    expect(settled.notifications.map((n) => n.url)).toEqual([
      "https://old.example/callback",
      "https://alerts.example/hook",
    ]);
    expect(settled.notifications[1]?.payload).toMatchObject({ type: "task.failed" });
  });
});
