import type { AttemptView, BelfryClient } from "../client";
import { type CommandOutput, instant, table } from "../output";

export interface TasksExecutionsOptions {
  /** Only successful (true) or failed (false) attempts. */
  successful?: boolean;
}

function result(a: AttemptView): string {
  if (a.successful) return `${a.status_code} ok`;
  if (a.status_code !== null) return `${a.status_code} failed`;
  return `failed: ${a.error ?? "no answer"}`;
}

/** `belfry tasks executions ID`: every attempt of one task, newest first, all pages. */
export async function tasksExecutions(
  client: BelfryClient,
  id: string,
  options: TasksExecutionsOptions = {},
): Promise<CommandOutput<AttemptView[]>> {
  const attempts: AttemptView[] = [];
  const filters = {
    limit: 100,
    ...(options.successful !== undefined && { successful: options.successful }),
  };
  for await (const attempt of client.executions(id, filters)) attempts.push(attempt);
  const text =
    attempts.length === 0
      ? "No executions recorded yet (history arrives within a few seconds of a call)."
      : table(
          ["EXECUTION", "ATTEMPT", "SCHEDULED", "STARTED", "LATE", "DURATION", "RESULT"],
          attempts.map((a) => [
            String(a.number),
            String(a.attempt),
            instant(a.scheduled_at),
            instant(a.started_at),
            `${Math.round(a.lateness_ms)}ms`,
            `${Math.round(a.duration_ms)}ms`,
            result(a),
          ]),
        );
  return { data: attempts, text };
}
