import type { AttemptView, BelfryClient } from "../client";
import { type CommandOutput, instant, table } from "../output";

export interface TasksExecutionsOptions {
  /** Only successful (true) or failed (false) attempts. */
  successful?: boolean;
  /** Most attempts to show (default 50). */
  limit?: number;
  /** Show every attempt, however many (a task calling every second makes 86 400 a day). */
  all?: boolean;
}

function result(a: AttemptView): string {
  if (a.successful) return `${a.status_code} ok`;
  if (a.status_code !== null) return `${a.status_code} failed`;
  return `failed: ${a.error ?? "no answer"}`;
}

/** `belfry tasks executions ID`: a task's latest attempts, newest first (all with `all`). */
export async function tasksExecutions(
  client: BelfryClient,
  id: string,
  options: TasksExecutionsOptions = {},
): Promise<CommandOutput<AttemptView[]>> {
  const max = options.all ? Number.POSITIVE_INFINITY : (options.limit ?? 50);
  const filters = {
    limit: Math.min(100, Math.max(1, Number.isFinite(max) ? max : 100)),
    ...(options.successful !== undefined && { successful: options.successful }),
  };
  const attempts: AttemptView[] = [];
  for await (const attempt of client.executions(id, filters, max)) attempts.push(attempt);
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
