import { z } from "zod";
import { durationSchema } from "../core/duration";
import { createTaskSchema, METHODS, patchTaskSchema, timestampSchema } from "../core/task-input";
import { booperJobSchema, booperListQuerySchema } from "../dialects/booper";
import {
  chronosHistoryQuerySchema,
  chronosListQuerySchema,
  chronosTaskSchema,
} from "../dialects/chronos";
import {
  loopitisListQuerySchema,
  loopitisRequestSchema,
  loopitisUpdateSchema,
} from "../dialects/loopitis";
import { listExecutionsQuerySchema, listTasksQuerySchema } from "../task/commands";
import { VERSION } from "../version";
import * as answers from "./response-schemas";
import { createProjectSchema } from "./routes/projects";

/**
 * The OpenAPI 3.1 document of every route the Worker serves, generated from the zod schemas
 * that validate requests (in their input form) and from the response schemas of
 * ./response-schemas.ts. Only the operation list, the prose and the field notes are written
 * here. The dialects answer in their source documents' shapes, which have no schema in this
 * code base; their answers are described in words.
 */

/** A JSON object of the document. */
export type JsonObject = { [key: string]: unknown };

type Auth = "apiKey" | "admin" | "none";
type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 429 | 500;
type Tag = "Tasks" | "Projects" | "Chronos" | "Booper" | "Loopitis" | "Service";

/** One answer: a response component in the success envelope, or a bare body. */
type Answer =
  | { description: string; schema: keyof typeof RESPONSES }
  | {
      description: string;
      bare: true;
      schema?: keyof typeof RESPONSES;
      /** The body's JSON type when it has no component (dialect answers). */
      type?: "object" | "array";
      media?: "application/json" | "text/html";
    };

interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI form: `{id}` for Hono's `:id`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  auth: Auth;
  query?: z.ZodType;
  /** Query parameters a route validates with a schema this module cannot import. */
  params?: { name: string; description: string }[];
  /** A request component. */
  body?: keyof typeof REQUESTS;
  answers: Record<number, Answer>;
  errors: ErrorStatus[];
}

/** Request bodies, converted in their input form (what a client sends). */
const REQUESTS = {
  CreateTask: createTaskSchema,
  PatchTask: patchTaskSchema,
  CreateProject: createProjectSchema,
  ChronosTask: chronosTaskSchema,
  BooperJob: booperJobSchema,
  LoopitisRequest: loopitisRequestSchema,
  LoopitisUpdate: loopitisUpdateSchema,
};

/** Answers, converted in their output form (what the server sends). */
const RESPONSES = {
  Task: answers.taskViewSchema,
  TaskPage: answers.taskPageSchema,
  Execution: answers.attemptViewSchema,
  ExecutionPage: answers.attemptPageSchema,
  DeletedTask: answers.deletedTaskSchema,
  CreatedProject: answers.createdProjectSchema,
  IssuedKey: answers.issuedKeySchema,
  RevokedKey: answers.revokedKeySchema,
  RotatedSecret: answers.rotatedSecretSchema,
  Health: answers.healthSchema,
  Error: answers.errorEnvelopeSchema,
};

const TASK_WRITE_ERRORS: ErrorStatus[] = [400, 401, 413, 415, 429, 500];
const TASK_READ_ERRORS: ErrorStatus[] = [401, 404, 429, 500];
const ADMIN_ERRORS: ErrorStatus[] = [401, 404, 500];

const taskAnswer = (description: string) => ({
  200: { schema: "Task" as const, description },
});

const lifecycle = (
  action: "pause" | "resume" | "cancel" | "run",
  summary: string,
  description: string,
): Operation => ({
  method: "post",
  path: `/api/v1/tasks/{id}/${action}`,
  operationId: `${action}Task`,
  tag: "Tasks",
  summary,
  description,
  auth: "apiKey",
  answers: taskAnswer("The task after the change"),
  errors: [401, 404, 409, 429, 500],
});

const TOKEN_PARAMS = [
  { name: "requestId", description: "The request's id" },
  { name: "token", description: "The request's secret token, from its link" },
];

const dialectAnswer = (description: string, type: "object" | "array" = "object"): Answer => ({
  bare: true,
  type,
  description,
});

/** The routes of the three source documents' dialects, under their own paths. */
const DIALECT_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/api/v1/chronos/tasks",
    operationId: "chronosCreateTask",
    tag: "Chronos",
    summary: "Create a task, Chronos style",
    description:
      "`schedule` is `min hour dom mon dow year` (day fields AND-ed) or an RFC 3339 instant; `payload` is the JSON body; the method defaults to GET.",
    auth: "apiKey",
    body: "ChronosTask",
    answers: { 201: dialectAnswer("The task, as Chronos shows it") },
    errors: TASK_WRITE_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/chronos/tasks",
    operationId: "chronosListTasks",
    tag: "Chronos",
    summary: "List tasks, Chronos style",
    auth: "apiKey",
    query: chronosListQuerySchema,
    answers: { 200: dialectAnswer("{current_page, total_pages, total_results, results}") },
    errors: [400, 401, 429, 500],
  },
  {
    method: "get",
    path: "/api/v1/chronos/tasks/{id}",
    operationId: "chronosGetTask",
    tag: "Chronos",
    summary: "Read a task, Chronos style",
    auth: "apiKey",
    answers: { 200: dialectAnswer("The task, as Chronos shows it") },
    errors: TASK_READ_ERRORS,
  },
  {
    method: "delete",
    path: "/api/v1/chronos/tasks/{id}",
    operationId: "chronosDeleteTask",
    tag: "Chronos",
    summary: "Cancel and remove a task",
    auth: "apiKey",
    answers: { 200: { bare: true, schema: "DeletedTask", description: "Removed" } },
    errors: TASK_READ_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/chronos/tasks/{id}/history",
    operationId: "chronosTaskHistory",
    tag: "Chronos",
    summary: "A task's attempts, Chronos style",
    auth: "apiKey",
    query: chronosHistoryQuerySchema,
    answers: { 200: dialectAnswer("{current_page, total_pages, total_results, results}") },
    errors: [400, 401, 404, 429, 500],
  },
  {
    method: "post",
    path: "/api/jobs",
    operationId: "booperCreateJob",
    tag: "Booper",
    summary: "Create a job, Booper style",
    description:
      '`schedule_in` and `repeat_every` are seconds or `[n, "unit"]`; `scheduled_at` a datetime or unix seconds; `webhook_url` receives the job events.',
    auth: "apiKey",
    body: "BooperJob",
    answers: {
      201: dialectAnswer("{data: job}"),
      200: dialectAnswer("{data: job} of the job an earlier create with this idempotency_key made"),
    },
    errors: TASK_WRITE_ERRORS,
  },
  {
    method: "get",
    path: "/api/jobs",
    operationId: "booperListJobs",
    tag: "Booper",
    summary: "List jobs, Booper style",
    auth: "apiKey",
    query: booperListQuerySchema,
    answers: { 200: dialectAnswer("{data: [job]}") },
    errors: [400, 401, 429, 500],
  },
  {
    method: "get",
    path: "/api/jobs/{id}",
    operationId: "booperGetJob",
    tag: "Booper",
    summary: "Read a job",
    auth: "apiKey",
    answers: { 200: dialectAnswer("{data: job}") },
    errors: TASK_READ_ERRORS,
  },
  {
    method: "post",
    path: "/api/jobs/{id}/cancel",
    operationId: "booperCancelJob",
    tag: "Booper",
    summary: "Cancel a job",
    auth: "apiKey",
    answers: { 200: dialectAnswer("{data: job}") },
    errors: [401, 404, 409, 429, 500],
  },
  {
    method: "post",
    path: "/requests",
    operationId: "loopitisCreateRequest",
    tag: "Loopitis",
    summary: "Create a repeating request, Loopitis style",
    description:
      "Each call's body is the Loopitis envelope, with `cancelLink` and `showRequest` links that work without an API key.",
    auth: "apiKey",
    body: "LoopitisRequest",
    answers: { 201: dialectAnswer("The request, with its links") },
    errors: [400, 401, 413, 429, 500],
  },
  {
    method: "get",
    path: "/requests",
    operationId: "loopitisListRequests",
    tag: "Loopitis",
    summary: "List requests",
    auth: "apiKey",
    query: loopitisListQuerySchema,
    answers: { 200: dialectAnswer("The requests", "array") },
    errors: [400, 401, 429, 500],
  },
  {
    method: "get",
    path: "/requests/{id}",
    operationId: "loopitisGetRequest",
    tag: "Loopitis",
    summary: "Read a request and its executions",
    auth: "apiKey",
    answers: { 200: dialectAnswer("The request") },
    errors: TASK_READ_ERRORS,
  },
  {
    method: "put",
    path: "/requests/{id}",
    operationId: "loopitisUpdateRequest",
    tag: "Loopitis",
    summary: "Change a request's status or parameters",
    auth: "apiKey",
    body: "LoopitisUpdate",
    answers: { 200: dialectAnswer("The request") },
    errors: [400, 401, 404, 409, 413, 429, 500],
  },
  ...(["get", "post"] as const).map(
    (method): Operation => ({
      method,
      path: "/requests/cancel_task",
      operationId: `loopitisCancelLink${method === "get" ? "" : "Post"}`,
      tag: "Loopitis",
      summary: "Cancel a request through its cancelLink",
      description: "Authorised by the request's own token instead of an API key.",
      auth: "none",
      params: TOKEN_PARAMS,
      answers: { 200: dialectAnswer("The request") },
      errors: [400, 404, 409, 500],
    }),
  ),
  {
    method: "get",
    path: "/requests/get_list",
    operationId: "loopitisShowLink",
    tag: "Loopitis",
    summary: "Read a request through its showRequest link",
    description: "Authorised by the request's own token instead of an API key.",
    auth: "none",
    params: TOKEN_PARAMS,
    answers: { 200: dialectAnswer("The request") },
    errors: [400, 404, 500],
  },
];

/** Every operation the Worker serves. */
export const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/api/v1/tasks",
    operationId: "createTask",
    tag: "Tasks",
    summary: "Create a task",
    description:
      "`url` and `schedule` are required. A create whose `idempotency_key` the project used before answers 200 with the first task.",
    auth: "apiKey",
    body: "CreateTask",
    answers: {
      201: { schema: "Task", description: "Created" },
      200: {
        schema: "Task",
        description: "The task an earlier create with this idempotency_key made",
      },
    },
    errors: TASK_WRITE_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/tasks",
    operationId: "listTasks",
    tag: "Tasks",
    summary: "List tasks, newest first",
    description:
      "From the task index: counters that executions change arrive within a few seconds. Keyset-paginated: pass `next_cursor` back as `cursor`.",
    auth: "apiKey",
    query: listTasksQuerySchema,
    answers: { 200: { schema: "TaskPage", description: "One page of tasks" } },
    errors: [400, 401, 429, 500],
  },
  {
    method: "get",
    path: "/api/v1/tasks/{id}",
    operationId: "getTask",
    tag: "Tasks",
    summary: "Read a task",
    description: "Read live from the task's object. The first five fields are the polling shape.",
    auth: "apiKey",
    answers: taskAnswer("The task"),
    errors: TASK_READ_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/get-task-status/{id}",
    operationId: "getTaskStatus",
    tag: "Tasks",
    summary: "Read a task (the task-status document's path)",
    description: "The same as GET /api/v1/tasks/{id}.",
    auth: "apiKey",
    answers: taskAnswer("The task"),
    errors: TASK_READ_ERRORS,
  },
  {
    method: "get",
    path: "/get-task-status/{id}",
    operationId: "getTaskStatusAtRoot",
    tag: "Tasks",
    summary: "Read a task (the task-status document's alias, at the root)",
    description: "The same as GET /api/v1/tasks/{id}, at the path the document names.",
    auth: "apiKey",
    answers: taskAnswer("The task"),
    errors: TASK_READ_ERRORS,
  },
  {
    method: "patch",
    path: "/api/v1/tasks/{id}",
    operationId: "updateTask",
    tag: "Tasks",
    summary: "Change a task's definition",
    description:
      "Any create field but `idempotency_key`. Fields replace their old values; `retry` is merged. A new `schedule` replaces the old one and restarts its count.",
    auth: "apiKey",
    body: "PatchTask",
    answers: taskAnswer("The changed task"),
    errors: [400, 401, 404, 409, 413, 415, 429, 500],
  },
  lifecycle("pause", "Pause a task", "No calls until it is resumed."),
  lifecycle(
    "resume",
    "Resume a paused task",
    "Missed calls follow the schedule's misfire policy. A finished task cannot be resumed (409).",
  ),
  lifecycle("cancel", "Cancel a task", "It makes no more calls; it stays readable."),
  lifecycle(
    "run",
    "Run a task now",
    "One extra call now, outside the schedule: it neither moves the schedule nor counts against `occurrences`.",
  ),
  {
    method: "delete",
    path: "/api/v1/tasks/{id}",
    operationId: "deleteTask",
    tag: "Tasks",
    summary: "Cancel and remove a task",
    description: "Its execution history stays until retention.",
    auth: "apiKey",
    answers: { 200: { schema: "DeletedTask", description: "Removed" } },
    errors: TASK_READ_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/tasks/{id}/executions",
    operationId: "listExecutions",
    tag: "Tasks",
    summary: "List a task's attempts, newest first",
    description:
      "One record per attempt; records reach the history within a few seconds of the call.",
    auth: "apiKey",
    query: listExecutionsQuerySchema,
    answers: { 200: { schema: "ExecutionPage", description: "One page of attempts" } },
    errors: [400, 401, 404, 429, 500],
  },
  {
    method: "post",
    path: "/api/v1/projects",
    operationId: "createProject",
    tag: "Projects",
    summary: "Create a project with its first API key",
    description: "The API key and the signing secret are shown once.",
    auth: "admin",
    body: "CreateProject",
    answers: { 201: { schema: "CreatedProject", description: "Created" } },
    errors: [400, 401, 413, 415, 500],
  },
  {
    method: "post",
    path: "/api/v1/projects/{id}/keys",
    operationId: "issueKey",
    tag: "Projects",
    summary: "Issue another API key",
    auth: "admin",
    answers: { 201: { schema: "IssuedKey", description: "Issued; the key is shown once" } },
    errors: ADMIN_ERRORS,
  },
  {
    method: "delete",
    path: "/api/v1/projects/{id}/keys/{keyId}",
    operationId: "revokeKey",
    tag: "Projects",
    summary: "Revoke an API key",
    auth: "admin",
    answers: { 200: { schema: "RevokedKey", description: "Revoked" } },
    errors: ADMIN_ERRORS,
  },
  {
    method: "post",
    path: "/api/v1/projects/{id}/signing-secret/rotate",
    operationId: "rotateSigningSecret",
    tag: "Projects",
    summary: "Rotate the signing secret",
    description: "Calls carry signatures with both secrets for 24 hours.",
    auth: "admin",
    answers: { 200: { schema: "RotatedSecret", description: "The new secret" } },
    errors: ADMIN_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/admin/meter",
    operationId: "meterReadings",
    tag: "Service",
    summary: "Counts of billable operations (only where BELFRY_METER=1)",
    description:
      "What this isolate did since it started: DO requests, rows written, Queue messages, calls. Used by `npm run bench`; a 404 unless the var BELFRY_METER is 1.",
    auth: "admin",
    answers: { 200: { bare: true, type: "object", description: "Counts by operation" } },
    errors: [401, 404],
  },
  ...DIALECT_OPERATIONS,
  {
    method: "get",
    path: "/healthz",
    operationId: "health",
    tag: "Service",
    summary: "Health check (checks D1)",
    auth: "none",
    answers: { 200: { bare: true, schema: "Health", description: "Healthy" } },
    errors: [500],
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "openApiDocument",
    tag: "Service",
    summary: "This document",
    auth: "none",
    answers: { 200: { bare: true, type: "object", description: "OpenAPI 3.1" } },
    errors: [],
  },
  {
    method: "get",
    path: "/docs",
    operationId: "apiReference",
    tag: "Service",
    summary: "This document as a page",
    auth: "none",
    answers: { 200: { bare: true, media: "text/html", description: "HTML" } },
    errors: [],
  },
];

const ERRORS: Record<ErrorStatus, { name: string; description: string }> = {
  400: {
    name: "InvalidRequest",
    description: "invalid_request: the message and details name the field",
  },
  401: {
    name: "Unauthorized",
    description: "unauthorized: missing, unknown or revoked credentials",
  },
  404: { name: "NotFound", description: "not_found (another project's task is a 404 too)" },
  409: { name: "Conflict", description: "conflict: the task's state does not allow this" },
  413: { name: "PayloadTooLarge", description: "payload_too_large: the body is over the limit" },
  415: {
    name: "UnsupportedMediaType",
    description: "unsupported_media_type: send application/json",
  },
  429: { name: "RateLimited", description: "rate_limited: too many requests for this key" },
  500: { name: "Internal", description: "internal: a bug, logged by the server (never a stack)" },
};

const DURATION_NOTE =
  'Milliseconds as a number, a string ("500ms", "30s", "5m", "2h", "1d") or a tuple ([5, "minutes"])';
const INSTANT_NOTE = "RFC 3339 with a zone (2026-12-01T09:00:00Z) or unix seconds";
const METHOD_NOTE = `One of ${METHODS.join(", ")}, in any case; default POST`;

/** What the schemas cannot say about a field of a task body. */
const TASK_FIELD_NOTES: Record<string, string> = {
  name: "A label for people; the list filters by its prefix",
  url: "http(s), no credentials, at most 2048 characters; private addresses only where allowed",
  headers: "Sent with every call; hop-by-hop, cf-*, webhook-* and belfry-* headers are refused",
  query: "Appended to the URL's own query",
  body: "A string is sent as-is (text/plain unless the headers say otherwise), any other JSON value as JSON. Not with GET or HEAD",
  schedule: "Exactly one of at, delay, every, cron",
  "schedule.at": "Once, at this instant",
  "schedule.delay": "Once, this long after the create",
  "schedule.every": "Recurring on a grid of this interval (anchored at begins, or at the create)",
  "schedule.cron": "5 fields, 6 with seconds first, 7 with a trailing year, or @hourly, @daily, …",
  "schedule.timezone": "IANA zone the cron is read in; only with cron; default UTC",
  "schedule.begins": "No call before this instant; with every, the first call is at it",
  "schedule.expires": "No call after this instant",
  "schedule.occurrences": "Stop after this many calls (manual runs do not count)",
  "schedule.misfire": "Calls missed while the task could not run: one catch-up, none, or all",
  retry: "Attempts per occurrence and exponential backoff; default 3 attempts, 1s, 10m",
  "retry.attempts": "Total attempts per occurrence, the first included (1 = never retry)",
  "retry.backoff": "Delay before the first retry; doubles for each further one",
  "retry.max_backoff": "The longest delay between two attempts",
  timeout: "Per attempt; default 30s, at most 10m",
  callback_url: "Receives a signed POST after each occurrence's final attempt",
  events_url: "Receives signed job.* lifecycle events",
  idempotency_key: "A second create with the same key answers the first task",
};

/** Notes on query parameters: `operationId.name` first, then `name`. */
const QUERY_NOTES: Record<string, string> = {
  state: "Comma-separated states: active, paused, completed, cancelled, failed",
  status: "Polling status: running, completed, error",
  name: "Name prefix",
  limit: "Page size",
  cursor: "`next_cursor` of the previous page",
  successful: "Only successful (true) or failed (false) attempts",
  offset: "Rows to skip",
  page: "Page number, from 1",
  per_page: "Page size; at most 100",
  inactive: "true: only finished tasks; false: only active ones; absent: both",
  "booperListJobs.state": "Comma-separated job states: scheduled, completed, cancelled, discarded",
  "loopitisListRequests.status":
    "Comma-separated states: active, paused, completed, cancelled, failed",
};

/** What the `{id}` of a path names, by the path's prefix. */
const ID_NOTES: [prefix: string, note: string][] = [
  ["/api/v1/projects", "Project id"],
  ["/api/jobs", "Job id (a task id)"],
  ["/requests", "Request id (a task id)"],
  ["/", "Task id"],
];

/** Drop what the document does not need: `$schema`/`$id` markers and the safe-integer bounds. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "$id") continue;
    if (
      (key === "minimum" || key === "maximum") &&
      Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER
    ) {
      continue;
    }
    out[key] = tidy(value);
  }
  return out;
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

/** Describe durations, instants and methods where they appear, by schema identity. */
const describeShared: NonNullable<z.core.ToJSONSchemaParams["override"]> = ({
  zodSchema,
  jsonSchema,
}) => {
  if (zodSchema === durationSchema) jsonSchema.description = DURATION_NOTE;
  else if (zodSchema === timestampSchema) jsonSchema.description = INSTANT_NOTE;
  else if (zodSchema === createTaskSchema.shape.method.unwrap()) {
    jsonSchema.description = METHOD_NOTE;
    jsonSchema.examples = ["POST"];
  }
};

/** Put a note on each field of a task body, following nested objects by dotted path. */
function annotateTaskFields(schema: JsonObject): void {
  for (const [path, note] of Object.entries(TASK_FIELD_NOTES)) {
    let node: JsonObject | undefined = schema;
    for (const key of path.split(".")) {
      node = node && asObject(asObject(node.properties)[key]);
    }
    if (node && Object.keys(node).length > 0) {
      // Shared notes (durations, instants) say how to write the value; this says what it does.
      node.description =
        typeof node.description === "string" ? `${note}. ${node.description}` : note;
    }
  }
}

const JSON_VALUE_REF = "#/components/schemas/JsonValue";

/** Replace every `$ref` found in `renames`. */
function rewriteRefs(node: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, renames));
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string"
        ? (renames.get(value) ?? value)
        : rewriteRefs(value, renames);
  }
  return out;
}

/**
 * Convert named zod schemas to components that refer to each other by `$ref`. zod puts
 * recursive schemas it was not given a name for (other `z.json()`s) under `__shared`, which an
 * OpenAPI document cannot point into; those become the JsonValue component they equal, or
 * components of their own.
 */
function components(schemas: Record<string, z.ZodType>, io: "input" | "output"): JsonObject {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const result = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
    override: describeShared,
  });
  const out = asObject(tidy(result.schemas));
  const shared = asObject(asObject(out.__shared).$defs);
  delete out.__shared;
  const renames = new Map<string, string>();
  for (const [key, def] of Object.entries(shared)) {
    const ref = `#/components/schemas/__shared#/$defs/${key}`;
    const asJsonValue = JSON.stringify(def).replaceAll(ref, JSON_VALUE_REF);
    if (asJsonValue === JSON.stringify(out.JsonValue)) {
      renames.set(ref, JSON_VALUE_REF);
    } else {
      renames.set(ref, `#/components/schemas/Shared_${key}`);
      out[`Shared_${key}`] = def;
    }
  }
  return asObject(rewriteRefs(out, renames));
}

function envelopeName(schema: string): string {
  return `${schema}Response`;
}

function errorResponses(): JsonObject {
  const out: JsonObject = {};
  for (const { name, description } of Object.values(ERRORS)) {
    out[name] = {
      description,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  const limited = asObject(out[ERRORS[429].name]);
  limited.headers = {
    "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } },
  };
  return out;
}

function queryParameters(op: Operation): JsonObject[] {
  if (!op.query) return [];
  const json = asObject(z.toJSONSchema(op.query, { io: "input", unrepresentable: "any" }));
  const required = new Set(Array.isArray(json.required) ? json.required : []);
  return Object.entries(asObject(json.properties)).map(([name, property]) => {
    const description = QUERY_NOTES[`${op.operationId}.${name}`] ?? QUERY_NOTES[name];
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description && { description }),
      schema: tidy(property),
    };
  });
}

function pathParameters(path: string): JsonObject[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name = ""]) => ({
    name,
    in: "path",
    required: true,
    description:
      name === "keyId" ? "API key id" : ID_NOTES.find(([prefix]) => path.startsWith(prefix))?.[1],
    schema: { type: "string" },
  }));
}

const SECURITY: Record<Auth, JsonObject[]> = {
  apiKey: [{ apiKey: [] }],
  admin: [{ adminToken: [] }],
  none: [],
};

function answerObject(answer: Answer): JsonObject {
  if (!("bare" in answer)) {
    const ref = `#/components/schemas/${envelopeName(answer.schema)}`;
    return {
      description: answer.description,
      content: { "application/json": { schema: { $ref: ref } } },
    };
  }
  const schema = answer.schema
    ? { $ref: `#/components/schemas/${answer.schema}` }
    : { type: answer.type ?? "string" };
  return {
    description: answer.description,
    content: { [answer.media ?? "application/json"]: { schema } },
  };
}

function operationObject(op: Operation): JsonObject {
  const responses: JsonObject = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    responses[status] = answerObject(answer);
  }
  for (const status of op.errors) {
    responses[String(status)] = { $ref: `#/components/responses/${ERRORS[status].name}` };
  }
  const parameters = [
    ...pathParameters(op.path),
    ...queryParameters(op),
    ...(op.params ?? []).map((p) => ({
      ...p,
      in: "query",
      required: true,
      schema: { type: "string" },
    })),
  ];
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    security: SECURITY[op.auth],
    ...(parameters.length > 0 && { parameters }),
    ...(op.body && {
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { $ref: `#/components/schemas/${op.body}` } },
        },
      },
    }),
    responses,
  };
}

function buildDocument(): JsonObject {
  // The recursive JSON value of a task body gets a component of its own in both directions.
  const requests = components(
    { ...REQUESTS, JsonValue: createTaskSchema.shape.body.unwrap() },
    "input",
  );
  for (const name of ["CreateTask", "PatchTask"]) annotateTaskFields(asObject(requests[name]));
  const envelopes: Record<string, z.ZodType> = {};
  for (const op of OPERATIONS) {
    for (const answer of Object.values(op.answers)) {
      if ("bare" in answer) continue;
      envelopes[envelopeName(answer.schema)] = answers.successEnvelope(RESPONSES[answer.schema]);
    }
  }
  const responses = components(
    { ...RESPONSES, ...envelopes, JsonValue: answers.jsonValueSchema },
    "output",
  );

  const paths: JsonObject = {};
  for (const op of OPERATIONS) {
    const item = asObject(paths[op.path]);
    item[op.method] = operationObject(op);
    paths[op.path] = item;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Belfry",
      version: VERSION,
      description:
        "Webhook cron on Cloudflare Workers. Every answer of /api/v1 is an envelope: " +
        '`{"status":"success","payload":…}` or `{"status":"error","error":{code,message,details}}`. ' +
        "Unknown JSON fields are refused. Task routes take an API key, project routes the admin token.",
    },
    tags: [
      { name: "Tasks", description: "A project's tasks and their executions (API key)" },
      { name: "Projects", description: "Projects, API keys and signing secrets (admin token)" },
      {
        name: "Chronos",
        description: "The Chronos dialect: bare answers in its document's shapes",
      },
      { name: "Booper", description: "The Booper dialect: answers as {data: …}" },
      {
        name: "Loopitis",
        description: "The Loopitis dialect: bare answers in its document's shapes",
      },
      { name: "Service", description: "No authentication" },
    ],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "A project's API key (bf_…): Authorization: Bearer <key>",
        },
        adminToken: {
          type: "http",
          scheme: "bearer",
          description: "The deployment's BELFRY_ADMIN_TOKEN",
        },
      },
      schemas: { ...responses, ...requests },
      responses: errorResponses(),
    },
  };
}

let document: JsonObject | undefined;

/** The OpenAPI 3.1 document, built once per isolate. */
export function openApiDocument(): JsonObject {
  document ??= buildDocument();
  return document;
}
