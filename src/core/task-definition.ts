import { cronError, type DayMatch, isValidTimeZone } from "./cron";
import { invalidField } from "./errors";
import { headerProblems } from "./header-policy";
import { newAccessToken } from "./keys";
import type { RetryPolicy } from "./retry";
import { firstGridPoint, MAX_CATCHUP_WINDOW_MS, type ScheduleSpec } from "./schedule";
import {
  type CreateTaskInput,
  MAX_TIMESTAMP_MS,
  type Method,
  type PatchTaskInput,
  type ScheduleInput,
} from "./task-input";
import { MAX_URL_LENGTH, targetUrlError, withQuery } from "./url-policy";

/** Deployment settings that bound what a task may ask for. */
export interface TaskLimits {
  minIntervalMs: number;
  allowPrivateUrls: boolean;
  maxHeaders: number;
  maxHeaderBytes: number;
}

/** How a dialect may read a create differently from the native API. */
export interface CreateOptions {
  /** Cron day semantics: "or" (cron's own, the default) or "and" (Chronos). */
  dayMatch?: DayMatch;
  /** Accept a schedule with no future occurrence: the task is created completed (Chronos). */
  allowExhausted?: boolean;
  /** Give the task a secret token for links that work without an API key (Loopitis). */
  withAccessToken?: boolean;
  /**
   * The access token to give the task (from `newAccessToken`), when the caller must know it
   * before the create, e.g. to write links into the body; implies `withAccessToken`.
   */
  accessToken?: string;
}

/** What a TaskObject stores about its task: validated, normalised, times in epoch ms. */
export interface TaskDefinition {
  id: string;
  project_id: string;
  name: string | null;
  /** Key → value, for filtering (absent when the task has none). */
  labels?: Record<string, string>;
  url: string;
  method: Method;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Absent means no body; a string is sent as-is, anything else as JSON. */
  body?: unknown;
  schedule: ScheduleSpec;
  retry: RetryPolicy;
  timeout: number;
  callback_url: string | null;
  events_url: string | null;
  /** Consecutive failed occurrences after which the system pauses the task; null: never. */
  pause_after_failures?: number | null;
  idempotency_key: string | null;
  /** A secret that authorises this one task without an API key; never shown by the API. */
  access_token: string | null;
  created_at: number;
  updated_at: number;
  /** The history shard the task's attempts are kept in (chosen at create; 0 when absent). */
  shard?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoff: 1_000, max_backoff: 600_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * The longest `timeout`: an alarm handler may run 15 minutes of wall time, and an attempt cut
 * by its timeout must still be recorded inside the invocation that made it (docs/security.md).
 */
export const MAX_TIMEOUT_MS = 10 * 60_000;
/** How far in the past an `at` may lie (clock skew between client and server). */
export const AT_SKEW_MS = 5_000;

function checkCatchupWindow(ms: number): number {
  if (ms < 0 || ms > MAX_CATCHUP_WINDOW_MS) {
    throw invalidField("schedule.catchup_window", "must be between 0 and 7 days");
  }
  return ms;
}

/** Turn a validated schedule input into the schedule a task runs on, or throw a 400. */
export function toScheduleSpec(
  input: ScheduleInput,
  now: number,
  limits: TaskLimits,
  options: CreateOptions = {},
): ScheduleSpec {
  if (input.at !== undefined || input.delay !== undefined) {
    const at = input.at ?? now + (input.delay ?? 0);
    if (input.at !== undefined && at < now - AT_SKEW_MS) {
      throw invalidField("schedule.at", "must not be in the past");
    }
    return { kind: "once", at: Math.max(at, now) };
  }
  const { begins, expires, occurrences } = input;
  if (begins !== undefined && expires !== undefined && expires <= begins) {
    throw invalidField("schedule.expires", "must be after schedule.begins");
  }
  if (expires !== undefined && expires <= now && !options.allowExhausted) {
    throw invalidField("schedule.expires", "must be in the future");
  }
  const bounds = {
    ...(begins !== undefined && { begins }),
    ...(expires !== undefined && { expires }),
    ...(occurrences !== undefined && { occurrences }),
    misfire: input.misfire ?? "run_once",
    ...(input.catchup_window !== undefined && {
      catchupWindow: checkCatchupWindow(input.catchup_window),
    }),
  };
  let spec: ScheduleSpec;
  if (input.every !== undefined) {
    if (input.every < limits.minIntervalMs) {
      throw invalidField("schedule.every", `must be at least ${limits.minIntervalMs} ms`);
    }
    spec = { kind: "every", every: input.every, createdAt: now, ...bounds };
  } else {
    const cron = (input.cron ?? "").trim();
    const timezone = input.timezone ?? "UTC";
    if (!isValidTimeZone(timezone)) {
      throw invalidField("schedule.timezone", `unknown time zone ${JSON.stringify(timezone)}`);
    }
    const dayMatch = options.dayMatch ?? "or";
    const error = cronError(cron, timezone, dayMatch);
    if (error) throw invalidField("schedule.cron", error);
    spec = { kind: "cron", cron, timezone, dayMatch, createdAt: now, ...bounds };
  }
  const first = firstGridPoint(spec);
  if (!options.allowExhausted && first === null) {
    throw invalidField("schedule", "has no occurrence in the future");
  }
  // A cron year or a long interval can put the first call past what an alarm can be set for.
  if (first !== null && first > MAX_TIMESTAMP_MS) {
    throw invalidField("schedule", "has no occurrence before 2100-01-01T00:00:00Z");
  }
  return spec;
}

function checkUrl(path: string, url: string, limits: TaskLimits): void {
  const error = targetUrlError(url, limits.allowPrivateUrls);
  if (error) throw invalidField(path, error);
}

function checkRequestShape(def: TaskDefinition, limits: TaskLimits): void {
  checkUrl("url", def.url, limits);
  // The URL a call goes to carries the query too; the policy holds for that one.
  if (withQuery(def.url, def.query).length > MAX_URL_LENGTH) {
    throw invalidField("query", `makes the URL longer than ${MAX_URL_LENGTH} characters`);
  }
  if (def.callback_url) checkUrl("callback_url", def.callback_url, limits);
  if (def.events_url) checkUrl("events_url", def.events_url, limits);
  const [problem] = headerProblems(def.headers, limits);
  if (problem) throw invalidField(problem[0] ? `headers.${problem[0]}` : "headers", problem[1]);
  if (def.body !== undefined && (def.method === "GET" || def.method === "HEAD")) {
    throw invalidField("body", `not allowed with ${def.method}`);
  }
  if (def.timeout < 1 || def.timeout > MAX_TIMEOUT_MS) {
    throw invalidField("timeout", "must be between 1 ms and 10 minutes");
  }
  if (def.retry.max_backoff < def.retry.backoff) {
    throw invalidField("retry.max_backoff", "must not be shorter than retry.backoff");
  }
}

/** Build the definition of a new task from a validated create body, or throw a 400. */
export function buildDefinition(
  input: CreateTaskInput,
  ids: { id: string; projectId: string },
  now: number,
  limits: TaskLimits,
  options: CreateOptions = {},
): TaskDefinition {
  const def: TaskDefinition = {
    id: ids.id,
    project_id: ids.projectId,
    name: input.name ?? null,
    ...(input.labels && Object.keys(input.labels).length > 0 && { labels: input.labels }),
    url: input.url,
    method: input.method ?? "POST",
    headers: input.headers ?? {},
    query: input.query ?? {},
    ...(input.body !== undefined && { body: input.body }),
    schedule: toScheduleSpec(input.schedule, now, limits, options),
    retry: { ...DEFAULT_RETRY, ...input.retry },
    timeout: input.timeout ?? DEFAULT_TIMEOUT_MS,
    callback_url: input.callback_url ?? null,
    events_url: input.events_url ?? null,
    pause_after_failures: input.pause_after_failures ?? null,
    idempotency_key: input.idempotency_key ?? null,
    access_token: options.accessToken ?? (options.withAccessToken ? newAccessToken() : null),
    created_at: now,
    updated_at: now,
  };
  checkRequestShape(def, limits);
  return def;
}

/** Apply a validated patch to a definition, or throw a 400. `retry` merges; the rest replaces. */
export function patchDefinition(
  def: TaskDefinition,
  patch: PatchTaskInput,
  now: number,
  limits: TaskLimits,
): TaskDefinition {
  const { body, schedule, retry, ...rest } = patch;
  const next: TaskDefinition = {
    ...def,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    retry: { ...def.retry, ...retry },
    updated_at: now,
  };
  if (body !== undefined) next.body = body;
  else if (next.method === "GET" || next.method === "HEAD") delete next.body;
  if (schedule) {
    const dayMatch = def.schedule.kind === "cron" ? def.schedule.dayMatch : undefined;
    next.schedule = toScheduleSpec(schedule, now, limits, dayMatch ? { dayMatch } : {});
  }
  checkRequestShape(next, limits);
  return next;
}
