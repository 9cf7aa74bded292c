import type { BelfryClient, ReplayedExecution } from "../client";
import type { CommandOutput } from "../output";

/** `belfry tasks replay ID EXECUTION_ID`: send that execution's request again, now. */
export async function tasksReplay(
  client: BelfryClient,
  id: string,
  executionId: string,
): Promise<CommandOutput<ReplayedExecution>> {
  const replayed = await client.replayExecution(id, executionId);
  return {
    data: replayed,
    text: `Replaying ${replayed.replay_of} as execution ${replayed.number} (${replayed.execution_id}).`,
  };
}
