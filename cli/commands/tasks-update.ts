import type { BelfryClient, TaskView, UpdateTaskRequest } from "../client";
import { type CommandOutput, refuseEmpty } from "../output";
import { scheduleFrom } from "./schedule-flags";
import { type CreateFlags, definitionFields } from "./tasks-create";
import { renderTask } from "./tasks-show";

/** The flags of `belfry tasks update`: those of create, each optional, without the key. */
export type UpdateFlags = Partial<Omit<CreateFlags, "idempotencyKey">>;

/** Turn the flags into a patch: only what they name changes, and a schedule replaces the old. */
export function updateRequest(flags: UpdateFlags): UpdateTaskRequest {
  const schedule = scheduleFrom(flags);
  return refuseEmpty<UpdateTaskRequest>(
    {
      ...(flags.url !== undefined && { url: flags.url }),
      ...definitionFields(flags),
      ...(schedule && { schedule }),
    },
    "nothing to change: give at least one field flag (see --help)",
  );
}

/** `belfry tasks update ID --every 5m …`: change a task's definition (PATCH). */
export async function tasksUpdate(
  client: BelfryClient,
  id: string,
  flags: UpdateFlags,
): Promise<CommandOutput<TaskView>> {
  const task = await client.updateTask(id, updateRequest(flags));
  return { data: task, text: renderTask(task) };
}
