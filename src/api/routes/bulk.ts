import { Hono } from "hono";
import { bulkActionRequestSchema } from "../../core/bulk-action";
import type { AppEnv } from "../../http/context";
import { success } from "../../http/envelope";
import { describeRoute } from "../../http/route-doc";
import { jsonBody, validate } from "../../http/validation";
import { bulkTaskAction } from "../../task/bulk";
import { bulkResultSchema } from "../../wire/answers";

/**
 * POST /api/v1/tasks/bulk, mounted inside the task routes (src/api/routes/tasks.ts), whose
 * `/tasks/*` middleware authenticates it.
 */
export const bulkRoutes = new Hono<AppEnv>();

bulkRoutes.post(
  "/tasks/bulk",
  describeRoute({
    operationId: "bulkTaskAction",
    tag: "Tasks",
    summary: "Pause, resume, cancel or delete many tasks",
    description:
      "Acts on up to 1000 of the tasks the filter matches, newest first, each with the rules of the one-task command; pass `next_cursor` back as `cursor` for the rest. A task the rule refuses (resuming a cancelled task) is listed in `failed`; the call itself succeeds.",
    answers: { 200: { payload: bulkResultSchema, description: "What the action did" } },
  }),
  jsonBody,
  validate("json", bulkActionRequestSchema),
  async (c) => {
    return success(c, await bulkTaskAction(c.env, c.var.projectId, c.req.valid("json")));
  },
);
