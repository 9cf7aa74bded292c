import { readFileSync } from "node:fs";
import type { BelfryClient, CreateTaskRequest, TaskView } from "../client";
import { CliError, type CommandOutput } from "../output";
import { parseLabels } from "./labels";
import { numberOrText, type ScheduleFlags, scheduleFrom } from "./schedule-flags";
import { renderTask } from "./tasks-show";

/** The flags of `belfry tasks create`, one per create field, as commander parses them. */
export interface CreateFlags extends ScheduleFlags {
  url: string;
  name?: string;
  /** `key=value` pairs, comma-separated, repeatable; "" alone clears them. */
  labels?: string[];
  method?: string;
  /** `Name:Value`, repeatable. */
  header?: string[];
  /** `key=value`, repeatable. */
  query?: string[];
  /** JSON, or `@file` holding JSON. */
  body?: string;
  retryAttempts?: number;
  retryBackoff?: string;
  retryMaxBackoff?: string;
  timeout?: string;
  callbackUrl?: string;
  eventsUrl?: string;
  /** Pause after this many failed occurrences in a row; null (`off`) clears it. */
  pauseAfterFailures?: number | null;
  idempotencyKey?: string;
}

function splitPairs(flag: string, values: string[], separator: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf(separator);
    const key = at > 0 ? value.slice(0, at).trim() : "";
    if (!key) {
      const shape = separator === ":" ? "NAME:VALUE" : "KEY=VALUE";
      throw new CliError(`${flag} ${JSON.stringify(value)}: expected ${shape}`);
    }
    out[key] = value.slice(at + 1).trim();
  }
  return out;
}

/** Read `--body`: inline JSON, or `@path` to a file holding JSON. */
export function parseBody(value: string, readFile = (path: string) => readFileSync(path, "utf8")) {
  let text = value;
  if (value.startsWith("@")) {
    const path = value.slice(1);
    try {
      text = readFile(path);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new CliError(`--body: cannot read ${path}: ${why}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(
      `--body: ${value.startsWith("@") ? `${value.slice(1)} does not hold` : "is not"} JSON (a text body is a JSON string: --body '"text"')`,
    );
  }
}

/** The fields other than url and schedule that the flags set, as a create or patch body has them. */
export function definitionFields(flags: Partial<CreateFlags>) {
  const retry = {
    ...(flags.retryAttempts !== undefined && { attempts: flags.retryAttempts }),
    ...(flags.retryBackoff !== undefined && { backoff: numberOrText(flags.retryBackoff) }),
    ...(flags.retryMaxBackoff !== undefined && {
      max_backoff: numberOrText(flags.retryMaxBackoff),
    }),
  };
  return {
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.labels !== undefined && { labels: parseLabels("--labels", flags.labels) }),
    ...(flags.method !== undefined && { method: flags.method }),
    ...(flags.header?.length && { headers: splitPairs("--header", flags.header, ":") }),
    ...(flags.query?.length && { query: splitPairs("--query", flags.query, "=") }),
    ...(flags.body !== undefined && { body: parseBody(flags.body) }),
    ...(Object.keys(retry).length > 0 && { retry }),
    ...(flags.timeout !== undefined && { timeout: numberOrText(flags.timeout) }),
    ...(flags.callbackUrl !== undefined && { callback_url: flags.callbackUrl }),
    ...(flags.eventsUrl !== undefined && { events_url: flags.eventsUrl }),
    ...(flags.pauseAfterFailures !== undefined && {
      pause_after_failures: flags.pauseAfterFailures,
    }),
  };
}

/** Turn the flags into a create body, leaving every check of the values to the server. */
export function createRequest(flags: CreateFlags): CreateTaskRequest {
  const schedule = scheduleFrom(flags);
  if (!schedule) throw new CliError("no schedule: give one of --at, --delay, --every or --cron");
  return {
    url: flags.url,
    ...definitionFields(flags),
    schedule,
    ...(flags.idempotencyKey !== undefined && { idempotency_key: flags.idempotencyKey }),
  };
}

/** `belfry tasks create --url … --every …`: create a task from flags. */
export async function tasksCreate(
  client: BelfryClient,
  flags: CreateFlags,
): Promise<CommandOutput<TaskView>> {
  const task = await client.createTask(createRequest(flags));
  return { data: task, text: renderTask(task) };
}
