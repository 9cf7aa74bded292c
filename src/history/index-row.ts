import type { TaskIndexEntry } from "../core/history";
import { wakeTime } from "../core/lifecycle";
import type { TaskDefinition } from "../core/task-definition";
import type { TaskRuntime } from "../core/task-runtime";
import { FINISHED_STATES } from "../core/task-view";
import type { HistoryChunk } from "./records";
import { indexedProgress } from "./records";

// What the task index learns of a task from its object: the whole row when the definition or
// the state changes, and the progress alone with each sealed chunk (docs/architecture.md).

/** What the index row needs of the deployment's settings. */
export interface IndexSettings {
  historyBodyBytes: number;
  finishedTaskTtlDays: number;
}

/** Who a sealed chunk's attempts belong to, and the task's progress for its index row. */
export type ChunkHeader = Omit<HistoryChunk, "seq" | "attempts">;

/** The index row of a task; a finished task's wake time is when it expires. */
export function taskIndexEntry(
  definition: TaskDefinition,
  runtime: TaskRuntime,
  settings: IndexSettings,
  deletedAt: number | null = null,
): TaskIndexEntry {
  const progress = indexedProgress(runtime.progress, settings.historyBodyBytes);
  const wake_at = FINISHED_STATES.has(progress.state)
    ? (progress.finished_at ?? progress.version) + settings.finishedTaskTtlDays * 86_400_000
    : wakeTime(runtime);
  return { snapshot: { definition, progress }, wake_at, deleted_at: deletedAt };
}

/** The header a chunk of the task's attempts is sealed with. */
export function chunkHeader(
  definition: TaskDefinition,
  runtime: TaskRuntime,
  settings: IndexSettings,
): ChunkHeader {
  const entry = taskIndexEntry(definition, runtime, settings);
  return {
    task_id: definition.id,
    project_id: definition.project_id,
    created_at: definition.created_at,
    shard: definition.shard ?? 0,
    progress: { progress: entry.snapshot.progress, wake_at: entry.wake_at },
  };
}
