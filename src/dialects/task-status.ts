import { Hono } from "hono";
import { taskView } from "../core/task-view";
import { requireApiKey } from "../http/auth";
import type { AppEnv } from "../http/context";
import { success } from "../http/envelope";
import { getTask } from "../task/commands";

/**
 * The task-status document (shared/seeds/002_…) names its alias `/get-task-status/{id}` at the
 * root of the host; the native API answers it under /api/v1 as well. Both read the same task in
 * the same envelope.
 */
export const taskStatusRoutes = new Hono<AppEnv>();

taskStatusRoutes.get("/get-task-status/:id", requireApiKey, async (c) => {
  const snapshot = await getTask(c.env, c.var.projectId, c.req.param("id"));
  return success(c, taskView(snapshot, Date.now()));
});
