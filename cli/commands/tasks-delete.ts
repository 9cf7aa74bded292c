import type { BelfryClient, DeletedTask } from "../client";
import type { CommandOutput } from "../output";

/** `belfry tasks delete ID`: cancel and remove; the history stays until retention. */
export async function tasksDelete(
  client: BelfryClient,
  id: string,
): Promise<CommandOutput<DeletedTask>> {
  const deleted = await client.deleteTask(id);
  return { data: deleted, text: `Deleted task ${deleted.id}` };
}
