import { Hono } from "hono";
import { readConfig } from "../../config";
import { attemptView } from "../../core/history";
import { createTaskSchema, patchTaskSchema } from "../../core/task-input";
import { taskView } from "../../core/task-view";
import {
  changeTaskState,
  createTask,
  deleteTask,
  getTask,
  type LifecycleAction,
  listExecutions,
  listExecutionsQuerySchema,
  listTasks,
  listTasksQuerySchema,
  updateTask,
} from "../../task/commands";
import { requireApiKey } from "../auth";
import type { AppEnv } from "../context";
import { success } from "../envelope";
import { jsonBody, validate } from "../validation";

const json = jsonBody((c) => readConfig(c.env).maxBodyBytes);

/** The native task API under /api/v1. */
export const taskRoutes = new Hono<AppEnv>();

// "/tasks/*" matches "/tasks" too: one middleware, so a request is authenticated (and counted
// against its key's rate limit) once.
taskRoutes.use("/tasks/*", requireApiKey);
taskRoutes.use("/get-task-status/*", requireApiKey);

taskRoutes.post("/tasks", json, validate("json", createTaskSchema), async (c) => {
  const { snapshot, created } = await createTask(c.env, c.var.projectId, c.req.valid("json"));
  return success(c, taskView(snapshot, Date.now()), created ? 201 : 200);
});

taskRoutes.get("/tasks", validate("query", listTasksQuerySchema), async (c) => {
  const page = await listTasks(c.env, c.var.projectId, c.req.valid("query"));
  const now = Date.now();
  return success(c, {
    results: page.results.map((s) => taskView(s, now)),
    next_cursor: page.next_cursor,
  });
});

const readTask = async (c: import("hono").Context<AppEnv>) => {
  const snapshot = await getTask(c.env, c.var.projectId, c.req.param("id") ?? "");
  return success(c, taskView(snapshot, Date.now()));
};
taskRoutes.get("/tasks/:id", readTask);
taskRoutes.get("/get-task-status/:id", readTask);

taskRoutes.patch("/tasks/:id", json, validate("json", patchTaskSchema), async (c) => {
  const snapshot = await updateTask(c.env, c.var.projectId, c.req.param("id"), c.req.valid("json"));
  return success(c, taskView(snapshot, Date.now()));
});

for (const action of ["pause", "resume", "cancel", "run"] satisfies LifecycleAction[]) {
  taskRoutes.post(`/tasks/:id/${action}`, async (c) => {
    const snapshot = await changeTaskState(c.env, c.var.projectId, c.req.param("id"), action);
    return success(c, taskView(snapshot, Date.now()));
  });
}

taskRoutes.delete("/tasks/:id", async (c) => {
  const { id } = await deleteTask(c.env, c.var.projectId, c.req.param("id"));
  return success(c, { id, deleted: true });
});

taskRoutes.get("/tasks/:id/executions", validate("query", listExecutionsQuerySchema), async (c) => {
  const page = await listExecutions(
    c.env,
    c.var.projectId,
    c.req.param("id"),
    c.req.valid("query"),
  );
  return success(c, { results: page.results.map(attemptView), next_cursor: page.next_cursor });
});
