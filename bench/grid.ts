import type { Arrival } from "./receiver.ts";

/** The calls a scenario plans: task i calls `occurrences` times, `every` ms apart from its start. */
export interface GridPlan {
  tasks: number;
  every: number;
  occurrences: number;
  /** The first grid point of each task. */
  starts: readonly number[];
}

/** How the calls received match the plan. */
export interface GridCheck {
  /** Calls whose claimed scheduled time is one of their task's grid points (once each). */
  onGrid: number;
  /** Calls claiming a time that is not a grid point of their task (or no time at all). */
  offGrid: number;
  /** Grid points claimed by more than one distinct call. */
  duplicates: number;
  /** Grid points no call claimed. */
  missing: number;
}

/** Grid points spread evenly over the first second from `base`: task i starts at base + i/tasks s. */
export function spreadStarts(base: number, tasks: number): number[] {
  return Array.from({ length: tasks }, (_, i) => base + Math.floor((i * 1000) / tasks));
}

/** Which of its task's grid points (0, 1, …) a call claims, or null when it claims none. */
function gridIndex(plan: GridPlan, call: Arrival): number | null {
  const task = Number(call.task);
  const start = Number.isInteger(task) ? plan.starts[task] : undefined;
  const k = start === undefined ? Number.NaN : (call.scheduledAt - start) / plan.every;
  return Number.isInteger(k) && k >= 0 && k < plan.occurrences ? k : null;
}

/** Match each received call to its task's grid. */
export function checkGrid(plan: GridPlan, calls: readonly Arrival[]): GridCheck {
  const hit = new Set<string>();
  let onGrid = 0;
  let offGrid = 0;
  let duplicates = 0;
  for (const call of calls) {
    const k = gridIndex(plan, call);
    if (k === null) {
      offGrid += 1;
      continue;
    }
    const point = `${Number(call.task)}:${k}`;
    if (hit.has(point)) duplicates += 1;
    else {
      hit.add(point);
      onGrid += 1;
    }
  }
  return { onGrid, offGrid, duplicates, missing: plan.tasks * plan.occurrences - onGrid };
}

/**
 * Lateness (ms) of the calls on their grid point, split by their place in their task's run:
 * each task's first call, its last, and those between. All tasks of a scenario start within
 * one second and end within one, so the first and last calls show what starting and finishing
 * many tasks at once costs, apart from the steady calls between.
 */
export function latenessByPlace(
  plan: GridPlan,
  calls: readonly Arrival[],
): { first: number[]; between: number[]; last: number[] } {
  const split = { first: [] as number[], between: [] as number[], last: [] as number[] };
  for (const call of calls) {
    const k = gridIndex(plan, call);
    if (k === null) continue;
    const place = k === 0 ? "first" : k === plan.occurrences - 1 ? "last" : "between";
    split[place].push(call.receivedAt - call.scheduledAt);
  }
  return split;
}
