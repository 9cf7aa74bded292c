import type { BelfryClient, TaskView } from "../client";
import { type CommandOutput, duration, fields, instant } from "../output";

/** The schedule in a few words: "every 1s, 2 occurrences, misfire run_once". */
export function describeSchedule(schedule: TaskView["schedule"]): string {
  const parts: string[] = [];
  if (schedule.at !== undefined) parts.push(`once at ${instant(String(schedule.at))}`);
  if (typeof schedule.every === "number") parts.push(`every ${duration(schedule.every)}`);
  if (schedule.cron !== undefined) parts.push(`cron "${schedule.cron}" in ${schedule.timezone}`);
  if (schedule.begins !== undefined) parts.push(`from ${instant(String(schedule.begins))}`);
  if (schedule.expires !== undefined) parts.push(`until ${instant(String(schedule.expires))}`);
  if (schedule.occurrences !== undefined) parts.push(`${schedule.occurrences} occurrences`);
  if (schedule.misfire !== undefined) parts.push(`misfire ${schedule.misfire}`);
  return parts.join(", ");
}

function pairs(map: Record<string, string>, separator: string): string {
  const entries = Object.entries(map);
  return entries.length === 0 ? "—" : entries.map(([k, v]) => `${k}${separator}${v}`).join("; ");
}

/** A task as aligned `label  value` lines. */
export function renderTask(task: TaskView): string {
  const { executions: e, retry } = task;
  return fields([
    ["id", task.id],
    ["name", task.name ?? "—"],
    ["labels", pairs(task.labels, "=")],
    ["state", `${task.state} (status ${task.status}, progress ${task.progress}%)`],
    ["message", task.message],
    ["request", `${task.method} ${task.url}`],
    ["headers", pairs(task.headers, ": ")],
    ["query", pairs(task.query, "=")],
    ["body", task.body === null ? "—" : JSON.stringify(task.body)],
    ["schedule", describeSchedule(task.schedule)],
    ["next run", instant(task.next_run_at)],
    ["last run", instant(task.last_run_at)],
    ["executions", `${e.total} total, ${e.succeeded} succeeded, ${e.failed} failed`],
    [
      "retry",
      `${retry.attempts} attempts, backoff ${duration(retry.backoff)}, max ${duration(retry.max_backoff)}`,
    ],
    ["timeout", duration(task.timeout)],
    [
      "failure policy",
      task.pause_after_failures === null
        ? `never pause (${task.consecutive_failures} failed in a row)`
        : `pause after ${task.pause_after_failures} failed in a row (now ${task.consecutive_failures})`,
    ],
    ["callback url", task.callback_url ?? "—"],
    ["events url", task.events_url ?? "—"],
    ["idempotency key", task.idempotency_key ?? "—"],
    ["created", instant(task.created_at)],
    ["updated", instant(task.updated_at)],
  ]);
}

/** `belfry tasks show ID`: one task, read live. */
export async function tasksShow(
  client: BelfryClient,
  id: string,
): Promise<CommandOutput<TaskView>> {
  const task = await client.getTask(id);
  return { data: task, text: renderTask(task) };
}
