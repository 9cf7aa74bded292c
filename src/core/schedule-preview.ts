import { z } from "zod";
import { firstGridPoint, gridPointsFrom, nextGridPoint } from "./schedule";
import { type TaskLimits, toScheduleSpec } from "./task-definition";
import { scheduleSchema, timestampSchema } from "./task-input";

/** The most runs one preview lists. */
export const MAX_PREVIEW_RUNS = 100;
export const DEFAULT_PREVIEW_RUNS = 10;

/** The body of POST /api/v1/schedules/preview. */
export const schedulePreviewRequestSchema = z.strictObject({
  schedule: scheduleSchema.meta({
    description: "A schedule as a create body states it: exactly one of at, delay, every, cron",
  }),
  count: z.number().int().min(1).max(MAX_PREVIEW_RUNS).optional().meta({
    description: "How many runs to list, 1–100 (default 10); a finite schedule may have fewer",
  }),
  from: timestampSchema.optional().meta({
    description:
      "Preview the schedule of a task created at this instant (default now): its runs from then on",
  }),
});
export type SchedulePreviewRequest = z.output<typeof schedulePreviewRequestSchema>;

/**
 * The grid points, oldest first, that a task created at `from` with this schedule would call
 * at: the schedule is validated and read exactly as a create does (a 400 naming the field
 * otherwise), and its points are the task's own (`firstGridPoint`, then `nextGridPoint`). A
 * `begins` before `from` lists the points from `from` on.
 */
export function previewSchedule(
  request: SchedulePreviewRequest,
  now: number,
  limits: TaskLimits,
): number[] {
  const from = request.from ?? now;
  const spec = toScheduleSpec(request.schedule, from, limits);
  let first = firstGridPoint(spec);
  if (first !== null && first < from) first = nextGridPoint(spec, from - 1);
  const occurrences = spec.kind === "once" ? 1 : spec.occurrences;
  return gridPointsFrom(spec, first, request.count ?? DEFAULT_PREVIEW_RUNS, occurrences);
}
