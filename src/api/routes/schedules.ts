import { Hono } from "hono";
import { schedulePreviewRequestSchema } from "../../core/schedule-preview";
import { requireApiKey } from "../../http/auth";
import type { AppEnv } from "../../http/context";
import { success } from "../../http/envelope";
import { describeRoute } from "../../http/route-doc";
import { jsonBody, validate } from "../../http/validation";
import { previewTaskSchedule } from "../../task/commands";
import { schedulePreviewSchema } from "../../wire/answers";

/** Schedules on their own, before there is a task: POST /api/v1/schedules/preview. */
export const scheduleRoutes = new Hono<AppEnv>();

scheduleRoutes.use("/schedules/*", requireApiKey);
scheduleRoutes.post(
  "/schedules/preview",
  describeRoute({
    operationId: "previewSchedule",
    tag: "Tasks",
    summary: "List the runs a schedule would make",
    description:
      "The grid points a task created with this schedule (now, or at `from`) would call at, computed by the code the task runs on, in UTC with milliseconds. The schedule is checked as on create: a 400 names the field.",
    answers: { 200: { payload: schedulePreviewSchema, description: "The runs" } },
  }),
  jsonBody,
  validate("json", schedulePreviewRequestSchema),
  (c) => {
    const runs = previewTaskSchedule(c.env, c.req.valid("json"));
    return success(c, { runs: runs.map((t) => new Date(t).toISOString()) });
  },
);
