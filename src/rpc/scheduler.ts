import { WorkerEntrypoint } from "cloudflare:workers";
import type { z } from "zod";
import { type AlertDestination, alertDestinationSchema } from "../core/alerts";
import { bulkActionRequestSchema } from "../core/bulk-action";
import { BelfryError, type ErrorCode, type ErrorDetail } from "../core/errors";
import {
  type AttemptView,
  attemptView,
  type ProjectAttemptView,
  projectAttemptView,
} from "../core/history";
import { hashSecret } from "../core/keys";
import { parseOrThrow } from "../core/parse-input";
import { schedulePreviewRequestSchema } from "../core/schedule-preview";
import { createTaskSchema, patchTaskSchema } from "../core/task-input";
import { type TaskState, type TaskStatus, type TaskView, taskView } from "../core/task-view";
import { database } from "../db/client";
import { DEV_PROJECT_ID, ensureDevProject } from "../db/dev-project";
import { findProject } from "../db/projects";
import {
  getAlertDestination,
  putAlertDestination,
  removeAlertDestination,
} from "../task/alert-commands";
import { bulkTaskAction } from "../task/bulk";
import {
  changeTaskState,
  createTask,
  deleteTask,
  getTask,
  type LifecycleAction,
  listExecutions,
  listExecutionsQuerySchema,
  listProjectExecutions,
  listProjectExecutionsQuerySchema,
  listTasks,
  listTasksQuerySchema,
  previewTaskSchedule,
  projectStats,
  replayExecution,
  statsQuerySchema,
  updateTask,
} from "../task/commands";
import type {
  BulkResult,
  Page,
  ProjectStats,
  ReplayedExecutionView,
  SchedulePreview,
  StatsWindow,
} from "../wire/answers";

/**
 * The service binding: another Worker calls Belfry's core commands directly, with the same
 * shapes as the HTTP API (payloads without the envelope), validated by the same schemas. The
 * caller's project comes from the binding's `props = { project = "<id>" }`, which only the
 * owner of the deployment's configuration can set; a binding without it is refused.
 */

/** What a service binding's `props` carry. */
export interface SchedulerProps {
  project?: string;
}

/** The body of a create, as POST /api/v1/tasks takes it. */
export type CreateTaskRequest = z.input<typeof createTaskSchema>;
/** The body of a change, as PATCH /api/v1/tasks/{id} takes it. */
export type UpdateTaskRequest = z.input<typeof patchTaskSchema>;

/** The filters of GET /api/v1/tasks; `state` may also be an array. */
export interface ListTasksRequest {
  state?: string | TaskState[];
  status?: TaskStatus;
  name?: string;
  /** Labels the tasks must all carry, key → value (the query's repeated `label=key:value`). */
  label?: Record<string, string>;
  limit?: number;
  cursor?: string;
}

/** The body of POST /api/v1/tasks/bulk. */
export type BulkActionRequest = z.input<typeof bulkActionRequestSchema>;

/** The body of POST /api/v1/schedules/preview. */
export type SchedulePreviewRequest = z.input<typeof schedulePreviewRequestSchema>;

/** The filters of GET /api/v1/executions, the project-wide history. */
export interface ListProjectExecutionsRequest extends ListExecutionsRequest {
  task_id?: string;
  /** Labels the attempts' tasks must all carry, key → value. */
  label?: Record<string, string>;
  /** RFC 3339 or unix seconds. */
  since?: string;
  until?: string;
}

/** The filters of GET /api/v1/tasks/{id}/executions. */
export interface ListExecutionsRequest {
  successful?: boolean;
  limit?: number;
  cursor?: string;
}

export type { Page };

/**
 * What a Scheduler method throws: a plain `Error` with the HTTP API's error message, code,
 * status and details. Cloudflare's RPC documentation says only the message crosses a binding,
 * but the runtime this repository pins (workerd through wrangler 4) also carries these own
 * properties — test/e2e/binding.test.ts checks that — and adds `remote: true`.
 */
export interface SchedulerError extends Error {
  code: ErrorCode;
  status: number;
  details: ErrorDetail[];
}

function schedulerError(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
  const error = new Error(message) as SchedulerError;
  error.code = code;
  error.status = new BelfryError(code, message).status;
  error.details = details;
  return error;
}

function toSchedulerError(error: unknown): SchedulerError {
  if (error instanceof BelfryError) return schedulerError(error.code, error.message, error.details);
  console.error(
    JSON.stringify({
      event: "unhandled_error",
      entrypoint: "Scheduler",
      error: String(error),
      stack: error instanceof Error ? error.stack : undefined,
    }),
  );
  return schedulerError("internal", "internal error");
}

/**
 * A listing request's `successful` and `label` in the query strings the HTTP API's schemas read
 * (`"true"`, repeated `key:value`), so the binding validates exactly as the API does.
 */
function asQuery<R extends { successful?: boolean; label?: Record<string, string> }>(request: R) {
  const { successful, label, ...rest } = request;
  return {
    ...rest,
    ...(successful !== undefined && { successful: String(successful) }),
    ...(label !== undefined && {
      label: Object.entries(label).map(([key, value]) => `${key}:${value}`),
    }),
  };
}

/** Projects seen to exist in this isolate; projects are never deleted. */
const knownProjects = new Set<string>();

export class Scheduler extends WorkerEntrypoint<Env, SchedulerProps | undefined> {
  /** Create a task; a replayed idempotency key answers the first task. */
  createTask(input: CreateTaskRequest): Promise<TaskView> {
    return this.call(async (project) => {
      const body = parseOrThrow(createTaskSchema, input);
      const { snapshot } = await createTask(this.env, project, body);
      return taskView(snapshot, Date.now());
    });
  }

  /** One task, read live from its object. */
  getTask(id: string): Promise<TaskView> {
    return this.call(async (project) => taskView(await getTask(this.env, project, id), Date.now()));
  }

  /** A page of the project's tasks, newest first. */
  listTasks(request: ListTasksRequest = {}): Promise<Page<TaskView>> {
    return this.call(async (project) => {
      const { state, ...rest } = request;
      const query = parseOrThrow(listTasksQuerySchema, {
        ...asQuery(rest),
        ...(state !== undefined && { state: Array.isArray(state) ? state.join(",") : state }),
      });
      const page = await listTasks(this.env, project, query);
      const now = Date.now();
      return { results: page.results.map((s) => taskView(s, now)), next_cursor: page.next_cursor };
    });
  }

  /** Change a task's definition; a new `schedule` replaces the old one. */
  updateTask(id: string, patch: UpdateTaskRequest): Promise<TaskView> {
    return this.call(async (project) => {
      const body = parseOrThrow(patchTaskSchema, patch);
      return taskView(await updateTask(this.env, project, id, body), Date.now());
    });
  }

  pauseTask(id: string): Promise<TaskView> {
    return this.lifecycle(id, "pause");
  }

  resumeTask(id: string): Promise<TaskView> {
    return this.lifecycle(id, "resume");
  }

  cancelTask(id: string): Promise<TaskView> {
    return this.lifecycle(id, "cancel");
  }

  /** One extra call now, outside the schedule. */
  runTask(id: string): Promise<TaskView> {
    return this.lifecycle(id, "run");
  }

  /** Cancel and remove a task; its history stays until retention. */
  deleteTask(id: string): Promise<{ id: string; deleted: true }> {
    return this.call(async (project) => {
      const { id: deleted } = await deleteTask(this.env, project, id);
      return { id: deleted, deleted: true as const };
    });
  }

  /** A page of one task's attempts, newest first. */
  listExecutions(id: string, request: ListExecutionsRequest = {}): Promise<Page<AttemptView>> {
    return this.call(async (project) => {
      const query = parseOrThrow(listExecutionsQuerySchema, asQuery(request));
      const page = await listExecutions(this.env, project, id, query);
      return { results: page.results.map(attemptView), next_cursor: page.next_cursor };
    });
  }

  /**
   * Pause, resume, cancel or delete up to 1000 of the tasks the filter matches; `next_cursor`
   * continues. Tasks the one-task rule refuses are listed in `failed`.
   */
  bulkTasks(request: BulkActionRequest): Promise<BulkResult> {
    return this.call(async (project) =>
      bulkTaskAction(this.env, project, parseOrThrow(bulkActionRequestSchema, request)),
    );
  }

  /** The runs a task with this schedule, created now (or at `from`), would make. */
  previewSchedule(request: SchedulePreviewRequest): Promise<SchedulePreview> {
    return this.call(async () => {
      const runs = previewTaskSchedule(
        this.env,
        parseOrThrow(schedulePreviewRequestSchema, request),
      );
      return { runs: runs.map((t) => new Date(t).toISOString()) };
    });
  }

  /** The project's tasks by state, and its executions and lateness over `window` (24h). */
  stats(window: StatsWindow = "24h"): Promise<ProjectStats> {
    return this.call(async (project) =>
      projectStats(this.env, project, parseOrThrow(statsQuerySchema, { window })),
    );
  }

  /** Send an execution's request again, now, as a new execution (any state). */
  replayExecution(id: string, executionId: string): Promise<ReplayedExecutionView> {
    return this.call((project) => replayExecution(this.env, project, id, executionId));
  }

  /** A page of every attempt of the project's tasks, newest first: the failures inbox. */
  listProjectExecutions(
    request: ListProjectExecutionsRequest = {},
  ): Promise<Page<ProjectAttemptView>> {
    return this.call(async (project) => {
      const query = parseOrThrow(listProjectExecutionsQuerySchema, asQuery(request));
      const page = await listProjectExecutions(this.env, project, query);
      return { results: page.results.map(projectAttemptView), next_cursor: page.next_cursor };
    });
  }

  /** The project's alert destination; `not_found` when it has none. */
  getAlerts(): Promise<AlertDestination> {
    return this.call((project) => getAlertDestination(this.env, project));
  }

  /** Set the project's one alert destination, as PUT /api/v1/alerts does. */
  setAlerts(request: z.input<typeof alertDestinationSchema>): Promise<AlertDestination> {
    return this.call(async (project) => {
      const body = parseOrThrow(alertDestinationSchema, request);
      return putAlertDestination(this.env, project, body, (push) => this.ctx.waitUntil(push));
    });
  }

  /** Remove the project's alert destination; `removed` is false when it had none. */
  removeAlerts(): Promise<{ removed: boolean }> {
    return this.call((project) =>
      removeAlertDestination(this.env, project, (push) => this.ctx.waitUntil(push)),
    );
  }

  private lifecycle(id: string, action: LifecycleAction): Promise<TaskView> {
    return this.call(async (project) =>
      taskView(await changeTaskState(this.env, project, id, action), Date.now()),
    );
  }

  /** Run a command for the binding's project, turning every failure into a SchedulerError. */
  private async call<T>(command: (project: string) => Promise<T>): Promise<T> {
    try {
      return await command(await this.project());
    } catch (error) {
      throw toSchedulerError(error);
    }
  }

  /** The binding's project; refused when the binding names none or one that does not exist. */
  private async project(): Promise<string> {
    const project = this.ctx.props?.project;
    if (typeof project !== "string" || project === "") {
      throw new BelfryError(
        "unauthorized",
        'service binding has no project: set props = { project = "<project id>" }',
      );
    }
    if (knownProjects.has(project)) return project;
    const devKey = this.env.BELFRY_DEV_API_KEY;
    if (project === DEV_PROJECT_ID && devKey) {
      await ensureDevProject(this.env, await hashSecret(devKey));
    }
    if (!(await findProject(database(this.env.DB), project))) {
      throw new BelfryError(
        "unauthorized",
        `service binding names an unknown project ${JSON.stringify(project)}`,
      );
    }
    knownProjects.add(project);
    return project;
  }
}
