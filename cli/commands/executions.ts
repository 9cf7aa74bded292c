import type { BelfryClient, ListProjectExecutionsOptions, ProjectAttemptView } from "../client";
import { attemptResult, type CommandOutput, instant, tableOr } from "../output";
import { parseLabels } from "./labels";
import { type LimitFlags, listingBounds } from "./limit-flags";

export interface ExecutionsOptions extends LimitFlags {
  /** Only successful (true) or failed (false) attempts. */
  successful?: boolean;
  /** Only this task's attempts. */
  task?: string;
  /** `key=value`, repeatable: labels the attempts' tasks must all carry. */
  label?: string[];
  since?: string;
  until?: string;
}

/** `belfry executions [--failed] …`: the project's latest attempts, newest first. */
export async function executions(
  client: BelfryClient,
  options: ExecutionsOptions = {},
): Promise<CommandOutput<ProjectAttemptView[]>> {
  const { max, pageSize } = listingBounds(options);
  const filters: Omit<ListProjectExecutionsOptions, "cursor"> = {
    limit: pageSize,
    ...(options.successful !== undefined && { successful: options.successful }),
    ...(options.task !== undefined && { taskId: options.task }),
    ...(options.label?.length && { label: parseLabels("--label", options.label) }),
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
  };
  const attempts: ProjectAttemptView[] = [];
  for await (const attempt of client.projectExecutions(filters, max)) attempts.push(attempt);
  const text = tableOr(
    "No executions match (history arrives within seconds of a call).",
    ["STARTED", "TASK", "EXECUTION", "ATTEMPT", "RESULT"],
    attempts.map((a) => [
      instant(a.started_at),
      a.task_name ?? a.task_id,
      a.execution_id,
      String(a.attempt),
      attemptResult(a),
    ]),
  );
  return { data: attempts, text };
}
