import type { BelfryClient, ListProjectExecutionsOptions, ProjectAttemptView } from "../client";
import { type CommandOutput, instant, table } from "../output";
import { parseLabels } from "./labels";

export interface ExecutionsOptions {
  /** Only successful (true) or failed (false) attempts. */
  successful?: boolean;
  /** Only this task's attempts. */
  task?: string;
  /** `key=value`, repeatable: labels the attempts' tasks must all carry. */
  label?: string[];
  since?: string;
  until?: string;
  /** Most attempts to show (default 50). */
  limit?: number;
  /** Show every attempt, however many. */
  all?: boolean;
}

function result(a: ProjectAttemptView): string {
  if (a.successful) return `${a.status_code} ok`;
  if (a.status_code !== null) return `${a.status_code} failed`;
  return `failed: ${a.error ?? "no answer"}`;
}

/** `belfry executions [--failed] …`: the project's latest attempts, newest first. */
export async function executions(
  client: BelfryClient,
  options: ExecutionsOptions = {},
): Promise<CommandOutput<ProjectAttemptView[]>> {
  const max = options.all ? Number.POSITIVE_INFINITY : (options.limit ?? 50);
  const filters: Omit<ListProjectExecutionsOptions, "cursor"> = {
    limit: Math.min(100, Math.max(1, Number.isFinite(max) ? max : 100)),
    ...(options.successful !== undefined && { successful: options.successful }),
    ...(options.task !== undefined && { taskId: options.task }),
    ...(options.label?.length && { label: parseLabels("--label", options.label) }),
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
  };
  const attempts: ProjectAttemptView[] = [];
  for await (const attempt of client.projectExecutions(filters, max)) attempts.push(attempt);
  const text =
    attempts.length === 0
      ? "No executions match (history arrives within seconds of a call)."
      : table(
          ["STARTED", "TASK", "EXECUTION", "ATTEMPT", "RESULT"],
          attempts.map((a) => [
            instant(a.started_at),
            a.task_name ?? a.task_id,
            a.execution_id,
            String(a.attempt),
            result(a),
          ]),
        );
  return { data: attempts, text };
}
