import { Hono } from "hono";
import { taskView } from "../core/task-view";
import { requireApiKey } from "../http/auth";
import type { AppEnv } from "../http/context";
import { success } from "../http/envelope";
import { describeRoute } from "../http/route-doc";
import { getTask } from "../task/commands";
import { taskViewSchema } from "../wire/answers";

/**
 * The task-status document (docs/dialects.md) names its alias `/get-task-status/{id}` at the
 * root of the host; the native API answers it under /api/v1 as well. Both read the same task in
 * the same envelope.
 */
export const taskStatusRoutes = new Hono<AppEnv>();

taskStatusRoutes.get(
  "/get-task-status/:id",
  describeRoute({
    operationId: "getTaskStatusAtRoot",
    tag: "Tasks",
    summary: "Read a task (the task-status document's alias, at the root)",
    description: "The same as GET /api/v1/tasks/{id}, at the path the document names.",
    answers: { 200: { payload: taskViewSchema, description: "The task" } },
  }),
  requireApiKey,
  async (c) => {
    const snapshot = await getTask(c.env, c.var.projectId, c.req.param("id"));
    return success(c, taskView(snapshot, Date.now()));
  },
);
