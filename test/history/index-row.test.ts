import { describe, expect, it } from "vitest";
import { cancelTask, startRuntime, wakeTime } from "../../src/core/lifecycle";
import { chunkHeader, taskIndexEntry } from "../../src/history/index-row";
import { taskDefinition } from "../support/tasks";

const NOW = Date.UTC(2026, 10, 24, 12);
const settings = { historyBodyBytes: 64, finishedTaskTtlDays: 2 };

describe("a task's index row", () => {
  it("wakes at the task's next call while it runs", () => {
    const def = taskDefinition(NOW, { id: "task-1" });
    const runtime = startRuntime(def, NOW);
    const entry = taskIndexEntry(def, runtime, settings);
    expect(entry.wake_at).toBe(wakeTime(runtime));
    expect(entry.wake_at).toBe(NOW + 1_000);
    expect(entry.deleted_at).toBeNull();
  });

  it("wakes when a finished task expires, and carries a tombstone's deletion time", () => {
    const def = taskDefinition(NOW, { id: "task-1" });
    const runtime = startRuntime(def, NOW);
    cancelTask(runtime, NOW + 5_000);
    const entry = taskIndexEntry(def, runtime, settings, NOW + 6_000);
    expect(entry.wake_at).toBe(NOW + 5_000 + 2 * 86_400_000);
    expect(entry.deleted_at).toBe(NOW + 6_000);
  });

  it("keeps a long last answer only up to the history's body size", () => {
    const def = taskDefinition(NOW, { id: "task-1" });
    const runtime = startRuntime(def, NOW);
    runtime.progress.last_response = { status_code: 200, body: "x".repeat(1_000) };
    const { snapshot } = taskIndexEntry(def, runtime, settings);
    expect(snapshot.progress.last_response?.body).toBe("x".repeat(64));
    // The runtime itself keeps the whole answer.
    expect(runtime.progress.last_response.body).toHaveLength(1_000);
  });
});

describe("a chunk's header", () => {
  it("names the task incarnation and its shard, with the progress for the index", () => {
    const def = taskDefinition(NOW, { id: "task-1", project_id: "p-1", shard: 1 });
    const runtime = startRuntime(def, NOW);
    expect(chunkHeader(def, runtime, settings)).toEqual({
      task_id: "task-1",
      project_id: "p-1",
      created_at: NOW,
      shard: 1,
      progress: { progress: runtime.progress, wake_at: NOW + 1_000 },
    });
  });
});
