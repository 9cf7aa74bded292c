import type { TaskStatus } from "../../src/core/task-view";
import type { BelfryClient, TaskView } from "../client";
import { type CommandOutput, instant, tableOr } from "../output";
import { parseLabels } from "./labels";
import { type LimitFlags, listingBounds } from "./limit-flags";
import { parseStates, type TaskFilterFlags } from "./task-filters";
import { describeSchedule } from "./tasks-show";

export interface TasksListOptions extends TaskFilterFlags, LimitFlags {
  status?: TaskStatus;
}

/** `belfry tasks list`: the project's tasks, newest first, following cursors. */
export async function tasksList(
  client: BelfryClient,
  options: TasksListOptions = {},
): Promise<CommandOutput<TaskView[]>> {
  const { max, pageSize } = listingBounds(options);
  const filters = {
    ...(options.status && { status: options.status }),
    ...(options.state && { state: parseStates(options.state) }),
    ...(options.name !== undefined && { name: options.name }),
    ...(options.label?.length && { label: parseLabels("--label", options.label) }),
    limit: pageSize,
  };
  const tasks: TaskView[] = [];
  for await (const task of client.tasks(filters, max)) tasks.push(task);
  const text = tableOr(
    "No tasks.",
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
