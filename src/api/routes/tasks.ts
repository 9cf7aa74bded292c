import { Hono } from "hono";
import { attemptView, projectAttemptView } from "../../core/history";
import { createTaskSchema, patchTaskSchema } from "../../core/task-input";
import { taskView } from "../../core/task-view";
import { requireApiKey } from "../../http/auth";
import type { AppEnv } from "../../http/context";
import { success } from "../../http/envelope";
import { describeRoute } from "../../http/route-doc";
import { jsonBody, validate } from "../../http/validation";
import {
  changeTaskState,
  createTask,
  deleteTask,
  getTask,
  listExecutions,
  listExecutionsQuerySchema,
  listProjectExecutions,
  listProjectExecutionsQuerySchema,
  listTasks,
  listTasksQuerySchema,
  replayExecution,
  updateTask,
} from "../../task/commands";
import {
  attemptPageSchema,
  deletedTaskSchema,
  LIFECYCLE_ACTIONS,
  type LifecycleAction,
  projectAttemptPageSchema,
  replayedExecutionSchema,
  taskPageSchema,
  taskViewSchema,
} from "../../wire/answers";
import { bulkRoutes } from "./bulk";

/** The native task API under /api/v1. */
export const taskRoutes = new Hono<AppEnv>();

// "/tasks/*" matches "/tasks" too: one middleware, so a request is authenticated (and counted
// against its key's rate limit) once.
taskRoutes.use("/tasks/*", requireApiKey);
taskRoutes.use("/get-task-status/*", requireApiKey);
taskRoutes.use("/executions", requireApiKey);
// After the middleware above, which authenticates it too.
taskRoutes.route("/", bulkRoutes);

taskRoutes.post(
  "/tasks",
  describeRoute({
    operationId: "createTask",
    tag: "Tasks",
    summary: "Create a task",
    description:
      "`url` and `schedule` are required. A create whose `idempotency_key` the project used before answers 200 with the first task.",
    answers: {
      201: { payload: taskViewSchema, description: "Created" },
      200: {
        payload: taskViewSchema,
        description: "The task an earlier create with this idempotency_key made",
      },
    },
    errors: [409],
  }),
  jsonBody,
  validate("json", createTaskSchema),
  async (c) => {
    const { snapshot, created } = await createTask(c.env, c.var.projectId, c.req.valid("json"));
    return success(c, taskView(snapshot, Date.now()), created ? 201 : 200);
  },
);

taskRoutes.get(
  "/tasks",
  describeRoute({
    operationId: "listTasks",
    tag: "Tasks",
    summary: "List tasks, newest first",
    description:
      "From the task index: counters that executions change arrive with the history (within HISTORY_FLUSH_MS, 30 s). Keyset-paginated: pass `next_cursor` back as `cursor`.",
    answers: { 200: { payload: taskPageSchema, description: "One page of tasks" } },
  }),
  validate("query", listTasksQuerySchema),
  async (c) => {
    const page = await listTasks(c.env, c.var.projectId, c.req.valid("query"));
    const now = Date.now();
    return success(c, {
      results: page.results.map((s) => taskView(s, now)),
      next_cursor: page.next_cursor,
    });
  },
);

const readTask = async (c: import("hono").Context<AppEnv>) => {
  const snapshot = await getTask(c.env, c.var.projectId, c.req.param("id") ?? "");
  return success(c, taskView(snapshot, Date.now()));
};
taskRoutes.get(
  "/tasks/:id",
  describeRoute({
    operationId: "getTask",
    tag: "Tasks",
    summary: "Read a task",
    description: "Read live from the task's object. The first five fields are the polling shape.",
    answers: { 200: { payload: taskViewSchema, description: "The task" } },
  }),
  readTask,
);
taskRoutes.get(
  "/get-task-status/:id",
  describeRoute({
    operationId: "getTaskStatus",
    tag: "Tasks",
    summary: "Read a task (the task-status document's path)",
    description: "The same as GET /api/v1/tasks/{id}.",
    answers: { 200: { payload: taskViewSchema, description: "The task" } },
  }),
  readTask,
);

taskRoutes.patch(
  "/tasks/:id",
  describeRoute({
    operationId: "updateTask",
    tag: "Tasks",
    summary: "Change a task's definition",
    description:
      "Any create field but `idempotency_key`. Fields replace their old values; `retry` is merged. A new `schedule` replaces the old one and restarts its count.",
    answers: { 200: { payload: taskViewSchema, description: "The changed task" } },
    errors: [409],
  }),
  jsonBody,
  validate("json", patchTaskSchema),
  async (c) => {
    const id = c.req.param("id");
    const snapshot = await updateTask(c.env, c.var.projectId, id, c.req.valid("json"));
    return success(c, taskView(snapshot, Date.now()));
  },
);

const LIFECYCLE: Record<LifecycleAction, { summary: string; description: string }> = {
  pause: { summary: "Pause a task", description: "No calls until it is resumed." },
  resume: {
    summary: "Resume a paused task",
    description:
      "Missed calls follow the schedule's misfire policy. A finished task cannot be resumed (409).",
  },
  cancel: { summary: "Cancel a task", description: "It makes no more calls; it stays readable." },
  run: {
    summary: "Run a task now",
    description:
      "One extra call now, outside the schedule: it neither moves the schedule nor counts against `occurrences`.",
  },
};

for (const action of LIFECYCLE_ACTIONS) {
  taskRoutes.post(
    `/tasks/:id/${action}`,
    describeRoute({
      operationId: `${action}Task`,
      tag: "Tasks",
      ...LIFECYCLE[action],
      answers: { 200: { payload: taskViewSchema, description: "The task after the change" } },
      errors: [409],
    }),
    async (c) => {
      const snapshot = await changeTaskState(c.env, c.var.projectId, c.req.param("id"), action);
      return success(c, taskView(snapshot, Date.now()));
    },
  );
}

taskRoutes.delete(
  "/tasks/:id",
  describeRoute({
    operationId: "deleteTask",
    tag: "Tasks",
    summary: "Cancel and remove a task",
    description: "Its execution history stays until retention.",
    answers: { 200: { payload: deletedTaskSchema, description: "Removed" } },
  }),
  async (c) => {
    const { id } = await deleteTask(c.env, c.var.projectId, c.req.param("id"));
    return success(c, { id, deleted: true });
  },
);

taskRoutes.get(
  "/tasks/:id/executions",
  describeRoute({
    operationId: "listExecutions",
    tag: "Tasks",
    summary: "List a task's attempts, newest first",
    description:
      "One record per attempt, current: what the task's object has not yet handed to D1 is read from the object.",
    answers: { 200: { payload: attemptPageSchema, description: "One page of attempts" } },
  }),
  validate("query", listExecutionsQuerySchema),
  async (c) => {
    const id = c.req.param("id");
    const page = await listExecutions(c.env, c.var.projectId, id, c.req.valid("query"));
    return success(c, { results: page.results.map(attemptView), next_cursor: page.next_cursor });
  },
);

taskRoutes.post(
  "/tasks/:id/executions/:execution_id/replay",
  describeRoute({
    operationId: "replayExecution",
    tag: "Tasks",
    summary: "Send an execution's request again, now",
    description:
      "One call now with the request that execution sent (method, URL, headers, body), a new execution number and webhook-id, and the header Belfry-Replay-Of: <execution_id>; never retried, recorded in the task's history; in any state. The request is built again from the task's definition, so it is refused (409) when the task was changed after that execution or its body has dynamic fields. An unknown execution is a 404.",
    answers: { 202: { payload: replayedExecutionSchema, description: "Queued; sent at once" } },
    errors: [409],
  }),
  async (c) => {
    const replayed = await replayExecution(
      c.env,
      c.var.projectId,
      c.req.param("id"),
      c.req.param("execution_id"),
    );
    return success(c, replayed, 202);
  },
);

taskRoutes.get(
  "/executions",
  describeRoute({
    operationId: "listProjectExecutions",
    tag: "Tasks",
    summary: "List every attempt of the project's tasks, newest first",
    description:
      "Across every history shard, merged in order; filter by outcome, task, label and time (the failures inbox is `successful=false`). Each attempt carries its task's current name.",
    answers: {
      200: { payload: projectAttemptPageSchema, description: "One page of attempts" },
    },
  }),
  validate("query", listProjectExecutionsQuerySchema),
  async (c) => {
    const page = await listProjectExecutions(c.env, c.var.projectId, c.req.valid("query"));
    return success(c, {
      results: page.results.map(projectAttemptView),
      next_cursor: page.next_cursor,
    });
  },
);
