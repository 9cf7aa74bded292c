import type { BelfryClient, LifecycleAction, TaskView } from "../client";
import type { CommandOutput } from "../output";

const DONE: Record<LifecycleAction, string> = {
  pause: "Paused",
  resume: "Resumed",
  cancel: "Cancelled",
  run: "Started an extra execution of",
};

/** `belfry tasks pause|resume|cancel|run ID`. */
export async function tasksLifecycle(
  client: BelfryClient,
  action: LifecycleAction,
  id: string,
): Promise<CommandOutput<TaskView>> {
  const calls = {
    pause: () => client.pauseTask(id),
    resume: () => client.resumeTask(id),
    cancel: () => client.cancelTask(id),
    run: () => client.runTask(id),
  };
  const task = await calls[action]();
  return { data: task, text: `${DONE[action]} task ${task.id}: ${task.message}` };
}
