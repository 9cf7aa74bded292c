import type { z } from "zod";
import type { Alert, alertDestinationSchema } from "../src/core/alerts";
import type { bulkActionRequestSchema } from "../src/core/bulk-action";
import type { ErrorCode, ErrorDetail } from "../src/core/errors";
import type { AttemptView, ProjectAttemptView } from "../src/core/history";
import type { schedulePreviewRequestSchema } from "../src/core/schedule-preview";
import type { createTaskSchema, patchTaskSchema } from "../src/core/task-input";
import type { TaskState, TaskStatus, TaskView } from "../src/core/task-view";
import type {
  alertDestinationViewSchema,
  bulkResultSchema,
  createdProjectSchema,
  deletedTaskSchema,
  issuedKeySchema,
  LifecycleAction,
  Page,
  removedAlertsSchema,
  replayedExecutionSchema,
  revokedKeySchema,
  rotatedSecretSchema,
  StatsWindow,
  schedulePreviewSchema,
  statsSchema,
} from "../src/wire/answers";

/**
 * A typed client for Belfry's native API, for Node ≥ 20 and any runtime with `fetch`. Request
 * types are the input side of the server's own zod schemas, answer types the server's view
 * types, so a change on one side is a type error on the other.
 */

export type {
  AttemptView,
  LifecycleAction,
  Page,
  ProjectAttemptView,
  StatsWindow,
  TaskState,
  TaskStatus,
  TaskView,
};
/** The body of a create, as the server's schema accepts it. */
export type CreateTaskRequest = z.input<typeof createTaskSchema>;
/** The body of a change (PATCH), as the server's schema accepts it. */
export type UpdateTaskRequest = z.input<typeof patchTaskSchema>;
export type DeletedTask = z.output<typeof deletedTaskSchema>;
export type CreatedProject = z.output<typeof createdProjectSchema>;
export type IssuedKey = z.output<typeof issuedKeySchema>;
export type RevokedKey = z.output<typeof revokedKeySchema>;
export type RotatedSecret = z.output<typeof rotatedSecretSchema>;
export type ProjectStats = z.output<typeof statsSchema>;
/** The body of a schedule preview, as the server's schema accepts it. */
export type SchedulePreviewRequest = z.input<typeof schedulePreviewRequestSchema>;
export type SchedulePreview = z.output<typeof schedulePreviewSchema>;
/** The body of PUT /api/v1/alerts. */
export type AlertDestinationRequest = z.input<typeof alertDestinationSchema>;
export type AlertDestination = z.output<typeof alertDestinationViewSchema>;
export type RemovedAlerts = z.output<typeof removedAlertsSchema>;
export type ReplayedExecution = z.output<typeof replayedExecutionSchema>;
/** What the alert destination receives. */
export type { Alert };
/** The body of a bulk action, as the server's schema accepts it. */
export type BulkActionRequest = z.input<typeof bulkActionRequestSchema>;
export type BulkResult = z.output<typeof bulkResultSchema>;

export interface ListTasksOptions {
  state?: TaskState | TaskState[];
  status?: TaskStatus;
  /** Name prefix. */
  name?: string;
  /** Labels the tasks must all carry, key → value. */
  label?: Record<string, string>;
  /** Page size, 1–100 (default 50). */
  limit?: number;
  cursor?: string;
}

export interface ListExecutionsOptions {
  successful?: boolean;
  /** Page size, 1–100 (default 50). */
  limit?: number;
  cursor?: string;
}

/** The filters of the project-wide history, GET /api/v1/executions. */
export interface ListProjectExecutionsOptions extends ListExecutionsOptions {
  /** Only this task's attempts. */
  taskId?: string;
  /** Labels the attempts' tasks must all carry, key → value. */
  label?: Record<string, string>;
  /** Attempts started at or after this instant (RFC 3339). */
  since?: string;
  /** Attempts started at or before this instant (RFC 3339). */
  until?: string;
}

export interface BelfryClientOptions {
  /** Base URL of the deployment, e.g. http://127.0.0.1:8787. */
  url: string;
  /** A project's API key, for the task routes. */
  apiKey?: string;
  /** The deployment's admin token, for the project routes. */
  adminToken?: string;
  /** Per-request time limit in ms (default 30 000). */
  timeoutMs?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** Codes the client adds to the server's for failures that never got an answer. */
export type ClientErrorCode =
  | ErrorCode
  | "network_error"
  | "invalid_response"
  | "missing_credentials";

/**
 * A failed call: the server's error envelope (status, code, message, details), or a failure to
 * reach the server or read its answer (status 0).
 */
export class BelfryClientError extends Error {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly details: ErrorDetail[];

  constructor(status: number, code: ClientErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = "BelfryClientError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

type Credential = "apiKey" | "adminToken";

interface Envelope<T> {
  status: "success" | "error";
  payload?: T;
  error?: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

type QueryValue = string | number | boolean | undefined;

/** A query string; an array value repeats its parameter (`label=a:1&label=b:2`). */
function query(params: Record<string, QueryValue | QueryValue[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined) search.append(key, String(one));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Label filters as the query string spells them: `key:value`. */
function labelFilters(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, value]) => `${key}:${value}`);
}

const taskPath = (id: string) => `/api/v1/tasks/${encodeURIComponent(id)}`;

export class BelfryClient {
  private readonly options: BelfryClientOptions;
  private readonly base: string;
  private readonly fetch: typeof fetch;

  // Fields are declared, not constructor parameters: Node strips the types and runs this file
  // as it is (the benchmark imports it).
  constructor(options: BelfryClientOptions) {
    this.options = options;
    this.base = options.url.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Create a task; a replayed idempotency key answers the first task. */
  createTask(body: CreateTaskRequest): Promise<TaskView> {
    return this.request("POST", "/api/v1/tasks", "apiKey", body);
  }

  /**
   * Pause, resume, cancel or delete up to 1000 of the tasks the filter matches; pass
   * `next_cursor` back as `cursor` for the rest.
   */
  bulkTasks(body: BulkActionRequest): Promise<BulkResult> {
    return this.request("POST", "/api/v1/tasks/bulk", "apiKey", body);
  }

  /** The runs a task with this schedule, created now (or at `from`), would make. */
  previewSchedule(body: SchedulePreviewRequest): Promise<SchedulePreview> {
    return this.request("POST", "/api/v1/schedules/preview", "apiKey", body);
  }

  /** The project's tasks by state, and its executions and lateness over `window` (24h). */
  stats(window?: StatsWindow): Promise<ProjectStats> {
    return this.request("GET", `/api/v1/stats${query({ window })}`, "apiKey");
  }

  /** The project's alert destination; a 404 BelfryClientError when it has none. */
  getAlerts(): Promise<AlertDestination> {
    return this.request("GET", "/api/v1/alerts", "apiKey");
  }

  /** Set the project's one alert destination (absent `events`: all of them). */
  setAlerts(body: AlertDestinationRequest): Promise<AlertDestination> {
    return this.request("PUT", "/api/v1/alerts", "apiKey", body);
  }

  /** Remove the project's alert destination. */
  removeAlerts(): Promise<RemovedAlerts> {
    return this.request("DELETE", "/api/v1/alerts", "apiKey");
  }

  /** One task, read live. */
  getTask(id: string): Promise<TaskView> {
    return this.request("GET", taskPath(id), "apiKey");
  }

  /** One page of tasks, newest first. */
  listTasks(options: ListTasksOptions = {}): Promise<Page<TaskView>> {
    const { state, label, ...rest } = options;
    const params = {
      ...rest,
      state: Array.isArray(state) ? state.join(",") : state,
      label: labelFilters(label),
    };
    return this.request("GET", `/api/v1/tasks${query(params)}`, "apiKey");
  }

  /** Every task matching the filters, following cursors; `max` bounds how many. */
  tasks(options: Omit<ListTasksOptions, "cursor"> = {}, max = Infinity) {
    return this.pages((cursor) => this.listTasks({ ...options, cursor }), max);
  }

  /** Change a task's definition. */
  updateTask(id: string, patch: UpdateTaskRequest): Promise<TaskView> {
    return this.request("PATCH", taskPath(id), "apiKey", patch);
  }

  pauseTask(id: string): Promise<TaskView> {
    return this.request("POST", `${taskPath(id)}/pause`, "apiKey");
  }

  resumeTask(id: string): Promise<TaskView> {
    return this.request("POST", `${taskPath(id)}/resume`, "apiKey");
  }

  cancelTask(id: string): Promise<TaskView> {
    return this.request("POST", `${taskPath(id)}/cancel`, "apiKey");
  }

  /** One extra call now, outside the schedule. */
  runTask(id: string): Promise<TaskView> {
    return this.request("POST", `${taskPath(id)}/run`, "apiKey");
  }

  /** Cancel and remove a task. */
  deleteTask(id: string): Promise<DeletedTask> {
    return this.request("DELETE", taskPath(id), "apiKey");
  }

  /** One page of a task's attempts, newest first. */
  listExecutions(id: string, options: ListExecutionsOptions = {}): Promise<Page<AttemptView>> {
    return this.request("GET", `${taskPath(id)}/executions${query({ ...options })}`, "apiKey");
  }

  /** A task's attempts, newest first, following cursors; `max` bounds how many. */
  executions(id: string, options: Omit<ListExecutionsOptions, "cursor"> = {}, max = Infinity) {
    return this.pages((cursor) => this.listExecutions(id, { ...options, cursor }), max);
  }

  /** One page of every attempt of the project's tasks, newest first (the failures inbox). */
  listProjectExecutions(
    options: ListProjectExecutionsOptions = {},
  ): Promise<Page<ProjectAttemptView>> {
    const { taskId, label, ...rest } = options;
    const params = { ...rest, task_id: taskId, label: labelFilters(label) };
    return this.request("GET", `/api/v1/executions${query(params)}`, "apiKey");
  }

  /** The project's attempts, newest first, following cursors; `max` bounds how many. */
  projectExecutions(options: Omit<ListProjectExecutionsOptions, "cursor"> = {}, max = Infinity) {
    return this.pages((cursor) => this.listProjectExecutions({ ...options, cursor }), max);
  }

  /** Send an execution's request again, now, as a new execution (any state). */
  replayExecution(id: string, executionId: string): Promise<ReplayedExecution> {
    const path = `${taskPath(id)}/executions/${encodeURIComponent(executionId)}/replay`;
    return this.request("POST", path, "apiKey");
  }

  /** Admin: create a project; its API key and signing secret are shown once. */
  createProject(name: string): Promise<CreatedProject> {
    return this.request("POST", "/api/v1/projects", "adminToken", { name });
  }

  /** Admin: issue another API key for a project. */
  issueKey(projectId: string): Promise<IssuedKey> {
    return this.request(
      "POST",
      `/api/v1/projects/${encodeURIComponent(projectId)}/keys`,
      "adminToken",
    );
  }

  /** Admin: revoke an API key. */
  revokeKey(projectId: string, keyId: string): Promise<RevokedKey> {
    const path = `/api/v1/projects/${encodeURIComponent(projectId)}/keys/${encodeURIComponent(keyId)}`;
    return this.request("DELETE", path, "adminToken");
  }

  /** Admin: replace a project's signing secret (the old one signs alongside for 24 h). */
  rotateSigningSecret(projectId: string): Promise<RotatedSecret> {
    const path = `/api/v1/projects/${encodeURIComponent(projectId)}/signing-secret/rotate`;
    return this.request("POST", path, "adminToken");
  }

  /**
   * The items of `page` after page, following cursors, at most `max`: no page is asked for once
   * `max` are read, so a listing of exactly one page's worth costs one call.
   */
  private async *pages<T>(page: (cursor: string | undefined) => Promise<Page<T>>, max: number) {
    let left = max;
    let cursor: string | undefined;
    do {
      const { results, next_cursor } = await page(cursor);
      const taken = results.slice(0, left);
      yield* taken;
      left -= taken.length;
      cursor = next_cursor ?? undefined;
    } while (cursor && left > 0);
  }

  private async request<T>(
    method: string,
    path: string,
    credential: Credential,
    body?: unknown,
  ): Promise<T> {
    const secret = this.options[credential];
    if (!secret) {
      const what = credential === "apiKey" ? "an API key" : "the admin token";
      throw new BelfryClientError(0, "missing_credentials", `this call needs ${what}`);
    }
    const answer = await exchange<Envelope<T>>(
      { url: this.base, secret, fetch: this.fetch, timeoutMs: this.options.timeoutMs },
      method,
      path,
      body,
    );
    if (answer.ok && answer.json.status === "success") return answer.json.payload as T;
    throw failure(method, `${this.base}${path}`, answer.status, answer.json);
  }
}

/** Where and how to send: a base URL, a bearer secret and the fetch to use. */
export interface Connection {
  url: string;
  secret: string;
  fetch: typeof fetch;
  /** Per-request time limit in ms (default 30 000). */
  timeoutMs?: number | undefined;
}

/** An answer read as JSON, whatever its status. */
export interface JsonAnswer<T> {
  status: number;
  ok: boolean;
  json: T;
}

/**
 * One request with a JSON body (if any) and a JSON answer. A server that cannot be reached, or
 * an answer that is not JSON, is a BelfryClientError; any status is returned to the caller.
 */
export async function exchange<T>(
  connection: Connection,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonAnswer<T>> {
  const url = `${connection.url}${path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${connection.secret}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await connection.fetch(url, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(connection.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new BelfryClientError(
      0,
      "network_error",
      `cannot reach ${connection.url}: ${reason(error)}`,
    );
  }
  const text = await res.text();
  try {
    return { status: res.status, ok: res.ok, json: JSON.parse(text) as T };
  } catch {
    throw new BelfryClientError(
      res.status,
      "invalid_response",
      `${method} ${url} answered ${res.status} without JSON: ${text.slice(0, 200)}`,
    );
  }
}

/** The error a refused request answered with (`{ "error": … }`), as a BelfryClientError. */
export function failure(method: string, url: string, status: number, answer: unknown) {
  const error = (answer as Partial<Envelope<unknown>> | null)?.error;
  if (!error) {
    return new BelfryClientError(
      status,
      "invalid_response",
      `${method} ${url} answered ${status} without an error envelope`,
    );
  }
  return new BelfryClientError(status, error.code, error.message, error.details ?? []);
}

/** The most useful line of a fetch failure: Node puts the socket error in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return "no answer in time";
  const cause = error.cause;
  return cause instanceof Error ? cause.message : error.message;
}
