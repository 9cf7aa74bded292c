import type { TaskLimits } from "./core/task-definition";

/** Deployment settings read from the Worker's vars, with their defaults. */
export interface Config extends TaskLimits {
  maxBodyBytes: number;
  /** Tasks a project may have in any state until they are deleted or expire (MAX_TASKS). */
  maxTasks: number;
  /** The calls per minute a project's active and paused schedules may add up to. */
  maxCallsPerMinute: number;
  /** Manual runs (POST /tasks/{id}/run) one task may have waiting at once. */
  maxQueuedRuns: number;
  /** Attempt records kept per task; older ones are purged first. */
  historyMaxPerTask: number;
  /** Bytes of a response body the history keeps (at most MAX_RESPONSE_BYTES, 16 KiB). */
  historyBodyBytes: number;
  retentionDays: number;
  /** The RATE_LIMITER binding's period, sent as Retry-After when a key is over its limit. */
  rateLimitPeriodSeconds: number;
  /** The ADDRESS_RATE_LIMITER binding's period, sent as Retry-After when an address is over it. */
  addressRateLimitPeriodSeconds: number;
  /** How long a fast task's attempts gather in its outbox before they leave (at most 60 s). */
  historyFlushMs: number;
  /** Days a finished or deleted task is kept before its object and index row are removed. */
  finishedTaskTtlDays: number;
}

function intVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) ? n : fallback;
}

/** Read the configuration from the environment. */
export function readConfig(env: Env): Config {
  return {
    minIntervalMs: intVar(env.MIN_INTERVAL_MS, 1_000),
    allowPrivateUrls: env.BELFRY_ALLOW_PRIVATE_URLS === "1",
    maxHeaders: intVar(env.MAX_HEADERS, 50),
    maxHeaderBytes: intVar(env.MAX_HEADER_BYTES, 8 * 1024),
    maxBodyBytes: intVar(env.MAX_BODY_BYTES, 256 * 1024),
    maxTasks: intVar(env.MAX_TASKS, 10_000),
    maxCallsPerMinute: intVar(env.MAX_CALLS_PER_MINUTE, 120_000),
    maxQueuedRuns: intVar(env.MAX_QUEUED_RUNS, 10),
    historyMaxPerTask: Math.max(1, intVar(env.HISTORY_MAX_PER_TASK, 10_000)),
    historyBodyBytes: Math.min(Math.max(intVar(env.HISTORY_BODY_BYTES, 1_024), 0), 16 * 1024),
    retentionDays: intVar(env.HISTORY_RETENTION_DAYS, 30),
    rateLimitPeriodSeconds: intVar(env.RATE_LIMIT_PERIOD_SECONDS, 10),
    addressRateLimitPeriodSeconds: intVar(env.ADDRESS_RATE_LIMIT_PERIOD_SECONDS, 10),
    historyFlushMs: Math.min(60_000, Math.max(0, intVar(env.HISTORY_FLUSH_MS, 30_000))),
    finishedTaskTtlDays: intVar(env.FINISHED_TASK_TTL_DAYS, 30),
  };
}
