import type { TaskStatus } from "../../src/core/task-view";
import type { BelfryClient, TaskView } from "../client";
import { type CommandOutput, instant, table } from "../output";
import { parseLabels } from "./labels";
import { parseStates, type TaskFilterFlags } from "./task-filters";
import { describeSchedule } from "./tasks-show";

export interface TasksListOptions extends TaskFilterFlags {
  status?: TaskStatus;
  /** Most tasks to show (default 50). */
  limit?: number;
  /** Show every task, however many. */
  all?: boolean;
}

/** `belfry tasks list`: the project's tasks, newest first, following cursors. */
export async function tasksList(
  client: BelfryClient,
  options: TasksListOptions = {},
): Promise<CommandOutput<TaskView[]>> {
  const max = options.all ? Number.POSITIVE_INFINITY : (options.limit ?? 50);
  const filters = {
    ...(options.status && { status: options.status }),
    ...(options.state && { state: parseStates(options.state) }),
    ...(options.name !== undefined && { name: options.name }),
    ...(options.label?.length && { label: parseLabels("--label", options.label) }),
    limit: Math.min(100, Math.max(1, Number.isFinite(max) ? max : 100)),
  };
  const tasks: TaskView[] = [];
  for await (const task of client.tasks(filters, max)) tasks.push(task);
  const text =
    tasks.length === 0
      ? "No tasks."
      : table(
          ["ID", "NAME", "STATE", "SCHEDULE", "NEXT RUN", "EXECUTIONS", "FAILED"],
          tasks.map((t) => [
            t.id,
            t.name ?? "—",
            t.state,
            describeSchedule(t.schedule),
            instant(t.next_run_at),
            String(t.executions.total),
            String(t.executions.failed),
          ]),
        );
  return { data: tasks, text };
}
