import { readConfig } from "../config";
import { callsPerMinute } from "../core/call-rate";
import { overBudget } from "../core/errors";
import type { TaskDefinition } from "../core/task-definition";
import { toScheduleSpec } from "../core/task-definition";
import type { PatchTaskInput } from "../core/task-input";
import { projectUsage } from "../db/budgets";
import { database } from "../db/client";
import { findIndexedTask } from "../db/task-index";

/**
 * The per-project budgets checked before a create or a schedule change (docs/security.md):
 * MAX_TASKS tasks in any state until deleted or expired, and MAX_CALLS_PER_MINUTE summed over the
 * active and paused schedules. Both are soft: requests racing each other may each see room.
 */

/** Per isolate: each project's last counted usage, when, and what was let through since. */
const recent = new Map<
  string,
  { tasks: number; rate: number; at: number; since: number; addedRate: number }
>();
/** A count this fresh, far enough below both budgets, spares the next creates a D1 query. */
const USAGE_TTL_MS = 5_000;
const HEADROOM = 0.9;
/** Usage scans stop past this multiple of MAX_TASKS: far beyond, the answer is the same. */
const SCAN_FACTOR = 2;

/**
 * Refuse a create (409 naming the budget) that would take the project past MAX_TASKS or
 * MAX_CALLS_PER_MINUTE; replaying an idempotency key of a task that exists creates nothing and
 * passes. While a project is under 90 % of both, a count up to 5 s old is reused (plus the creates
 * let through since) instead of counting again.
 */
export async function checkCreateBudgets(
  env: Env,
  def: TaskDefinition,
  replayable: boolean,
): Promise<void> {
  const { maxTasks, maxCallsPerMinute } = readConfig(env);
  const rate = callsPerMinute(def.schedule);
  const now = Date.now();
  const cached = recent.get(def.project_id);
  if (
    cached &&
    now - cached.at < USAGE_TTL_MS &&
    cached.tasks + cached.since < maxTasks * HEADROOM &&
    cached.rate + cached.addedRate + rate < maxCallsPerMinute * HEADROOM
  ) {
    cached.since += 1;
    cached.addedRate += rate;
    return;
  }
  const usage = await projectUsage(env.DB, def.project_id, maxTasks * SCAN_FACTOR);
  if (recent.size > 10_000) recent.clear();
  recent.set(def.project_id, {
    tasks: usage.tasks,
    rate: usage.callsPerMinute,
    at: now,
    since: 1,
    addedRate: rate,
  });
  const overTasks = usage.tasks >= maxTasks;
  const overRate = usage.callsPerMinute + rate > maxCallsPerMinute;
  if (!overTasks && !overRate) return;
  if (replayable) {
    const existing = await findIndexedTask(database(env.DB), def.project_id, def.id);
    if (existing?.deletedAt === null) return;
  }
  if (overTasks) {
    throw overBudget(
      "MAX_TASKS",
      `the project has ${usage.tasks} tasks, the most allowed; tasks count in every state ` +
        "until deleted, so delete some first",
    );
  }
  throw overBudget(
    "MAX_CALLS_PER_MINUTE",
    callsMessage(usage.callsPerMinute, rate, maxCallsPerMinute),
  );
}

/** Refuse (409) a patch whose new schedule would take the project past MAX_CALLS_PER_MINUTE. */
export async function checkPatchBudget(
  env: Env,
  projectId: string,
  id: string,
  patch: PatchTaskInput,
): Promise<void> {
  if (!patch.schedule) return;
  const config = readConfig(env);
  // The same validation the task applies; a schedule it would refuse fails here first, alike.
  const rate = callsPerMinute(toScheduleSpec(patch.schedule, Date.now(), config));
  const usage = await projectUsage(env.DB, projectId, config.maxTasks * SCAN_FACTOR, id);
  const others = usage.callsPerMinute - usage.taskCallsPerMinute;
  // A change that lowers the task's rate is always allowed, even over a lowered budget.
  if (rate <= usage.taskCallsPerMinute || others + rate <= config.maxCallsPerMinute) return;
  recent.delete(projectId);
  throw overBudget("MAX_CALLS_PER_MINUTE", callsMessage(others, rate, config.maxCallsPerMinute));
}

function callsMessage(current: number, added: number, budget: number): string {
  const round = (n: number) => Math.round(n * 100) / 100;
  return (
    `the project's schedules make ${round(current)} calls per minute; this one adds ` +
    `${round(added)}, past the ${budget} allowed`
  );
}
