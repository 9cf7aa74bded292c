import type { z } from "zod";
import type { ErrorCode, ErrorDetail } from "../src/core/errors";
import type { AttemptView } from "../src/core/history";
import type { createTaskSchema, patchTaskSchema } from "../src/core/task-input";
import type { TaskState, TaskStatus, TaskView } from "../src/core/task-view";
import type {
  createdProjectSchema,
  deletedTaskSchema,
  issuedKeySchema,
  LifecycleAction,
  Page,
  revokedKeySchema,
  rotatedSecretSchema,
  StatsWindow,
  statsSchema,
} from "../src/wire/answers";

/**
 * A typed client for Belfry's native API, for Node ≥ 20 and any runtime with `fetch`. Request
 * types are the input side of the server's own zod schemas, answer types the server's view
 * types, so a change on one side is a type error on the other.
 */

export type { AttemptView, LifecycleAction, Page, StatsWindow, TaskState, TaskStatus, TaskView };
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
  constructor(
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "BelfryClientError";
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
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: BelfryClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Create a task; a replayed idempotency key answers the first task. */
  createTask(body: CreateTaskRequest): Promise<TaskView> {
    return this.request("POST", "/api/v1/tasks", "apiKey", body);
  }

  /** The project's tasks by state, and its executions and lateness over `window` (24h). */
  stats(window?: StatsWindow): Promise<ProjectStats> {
    return this.request("GET", `/api/v1/stats${query({ window })}`, "apiKey");
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
  async *tasks(options: Omit<ListTasksOptions, "cursor"> = {}, max = Infinity) {
    let count = 0;
    for await (const task of this.pages((cursor) => this.listTasks({ ...options, cursor }))) {
      if (count++ >= max) return;
      yield task;
    }
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
  async *executions(
    id: string,
    options: Omit<ListExecutionsOptions, "cursor"> = {},
    max = Infinity,
  ) {
    let count = 0;
    for await (const attempt of this.pages((cursor) =>
      this.listExecutions(id, { ...options, cursor }),
    )) {
      if (count++ >= max) return;
      yield attempt;
    }
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

  private async *pages<T>(page: (cursor: string | undefined) => Promise<Page<T>>) {
    let cursor: string | undefined;
    do {
      const { results, next_cursor } = await page(cursor);
      yield* results;
      cursor = next_cursor ?? undefined;
    } while (cursor);
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
    const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new BelfryClientError(
        0,
        "network_error",
        `cannot reach ${this.base}: ${reason(error)}`,
      );
    }
    const text = await res.text();
    let envelope: Envelope<T>;
    try {
      envelope = JSON.parse(text) as Envelope<T>;
    } catch {
      throw new BelfryClientError(
        res.status,
        "invalid_response",
        `${method} ${url} answered ${res.status} without JSON: ${text.slice(0, 200)}`,
      );
    }
    if (envelope.status === "success" && res.ok) return envelope.payload as T;
    const error = envelope.error;
    if (!error) {
      throw new BelfryClientError(
        res.status,
        "invalid_response",
        `${method} ${url} answered ${res.status} without an envelope`,
      );
    }
    throw new BelfryClientError(res.status, error.code, error.message, error.details ?? []);
  }
}

/** The most useful line of a fetch failure: Node puts the socket error in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return "no answer in time";
  const cause = error.cause;
  return cause instanceof Error ? cause.message : error.message;
}
