import type { AttemptView, BelfryClient } from "../client";
import { attemptResult, type CommandOutput, instant, tableOr } from "../output";
import { type LimitFlags, listingBounds } from "./limit-flags";

/** `--all` shows every attempt: a task calling every second makes 86 400 a day. */
export interface TasksExecutionsOptions extends LimitFlags {
  /** Only successful (true) or failed (false) attempts. */
  successful?: boolean;
}

/** `belfry tasks executions ID`: a task's latest attempts, newest first (all with `all`). */
export async function tasksExecutions(
  client: BelfryClient,
  id: string,
  options: TasksExecutionsOptions = {},
): Promise<CommandOutput<AttemptView[]>> {
  const { max, pageSize } = listingBounds(options);
  const filters = {
    limit: pageSize,
    ...(options.successful !== undefined && { successful: options.successful }),
  };
  const attempts: AttemptView[] = [];
  for await (const attempt of client.executions(id, filters, max)) attempts.push(attempt);
  const text = tableOr(
    "No executions recorded yet (history arrives within a few seconds of a call).",
    ["EXECUTION", "ATTEMPT", "SCHEDULED", "STARTED", "LATE", "DURATION", "RESULT"],
    attempts.map((a) => [
      String(a.number),
      String(a.attempt),
      instant(a.scheduled_at),
      instant(a.started_at),
      `${Math.round(a.lateness_ms)}ms`,
      `${Math.round(a.duration_ms)}ms`,
      attemptResult(a),
    ]),
  );
  return { data: attempts, text };
}
