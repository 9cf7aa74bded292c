import type { Hono } from "hono";
import { z } from "zod";
import { createTaskSchema } from "../core/task-input";
import { requireAdmin, requireApiKey } from "../http/auth";
import type { AppEnv } from "../http/context";
import { limitByAddress } from "../http/rate-limit";
import { VERSION } from "../version";
import * as answers from "../wire/answers";
import { asObject, components, type JsonObject, tidy } from "./json-schema";

export type { JsonObject };

import {
  type ErrorStatus,
  inputOf,
  isJsonBody,
  type RouteAnswer,
  type RouteDoc,
  routeDocOf,
} from "../http/route-doc";
import { webhooks } from "./webhooks";

/**
 * The OpenAPI 3.1 document of an app, built from the app itself: each route's own
 * `describeRoute` (http/route-doc.ts) gives its prose and answers; its method, path, validators
 * and auth middleware give its parameters, request body, credentials and the errors those
 * imply. Request bodies are converted from the validating zod schemas in their input form
 * (what a client may send), answers in their output form.
 */

type Auth = "apiKey" | "admin" | "none";

/** One served operation: its documentation and what its handlers tell. */
interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI form: `{id}` for Hono's `:id`. */
  path: string;
  doc: RouteDoc;
  auth: Auth;
  /** Counted against its client address's limit (ADDRESS_RATE_LIMITER) before anything else. */
  addressLimited: boolean;
  jsonBody: boolean;
  body?: z.ZodType;
  query?: z.ZodType;
}

/** Component names of the schemas the document refers to. */
const SCHEMA_NAMES = new Map<z.ZodType, string>([
  [answers.taskViewSchema, "Task"],
  [answers.taskPageSchema, "TaskPage"],
  [answers.attemptViewSchema, "Execution"],
  [answers.attemptPageSchema, "ExecutionPage"],
  [answers.projectAttemptViewSchema, "ProjectExecution"],
  [answers.projectAttemptPageSchema, "ProjectExecutionPage"],
  [answers.deletedTaskSchema, "DeletedTask"],
  [answers.createdProjectSchema, "CreatedProject"],
  [answers.issuedKeySchema, "IssuedKey"],
  [answers.revokedKeySchema, "RevokedKey"],
  [answers.rotatedSecretSchema, "RotatedSecret"],
  [answers.statsSchema, "Stats"],
  [answers.schedulePreviewSchema, "SchedulePreview"],
  [answers.alertDestinationViewSchema, "AlertDestination"],
  [answers.replayedExecutionSchema, "ReplayedExecution"],
  [answers.removedAlertsSchema, "RemovedAlerts"],
  [answers.bulkResultSchema, "BulkResult"],
  [answers.healthSchema, "Health"],
  [answers.errorEnvelopeSchema, "Error"],
]);

/** The name of a request body's component: the operation's, capitalised (CreateTask). */
function bodyName(op: Operation): string {
  const { operationId } = op.doc;
  return `${operationId.charAt(0).toUpperCase()}${operationId.slice(1)}`;
}

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
  429: {
    name: "RateLimited",
    description:
      "rate_limited: too many requests with this key, or without a valid credential from this address",
  },
  500: { name: "Internal", description: "internal: a bug, logged by the server (never a stack)" },
};

/** Notes on query parameters: `operationId.name` first, then `name`. */
const QUERY_NOTES: Record<string, string> = {
  state: "Comma-separated states: active, paused, completed, cancelled, failed",
  status: "Polling status: running, completed, error",
  name: "Name prefix",
  label: "`key:value`; repeat the parameter for more labels, all of which must match",
  limit: "Page size",
  cursor: "`next_cursor` of the previous page",
  successful: "Only successful (true) or failed (false) attempts",
  offset: "Rows to skip",
  page: "Page number, from 1",
  per_page: "Page size; at most 100",
  inactive: "true: only finished tasks; false: only active ones; absent: both",
  "booperListJobs.state":
    "Comma-separated job states: available, scheduled, completed, cancelled, discarded",
  "loopitisListRequests.status":
    "Comma-separated states: active, paused, completed, cancelled, failed",
};

/** What the `{id}` of a path names, by the path's prefix. */
const ID_NOTES: [prefix: string, note: string][] = [
  ["/api/v1/projects", "Project id"],
  ["/api/jobs", "Job id"],
  ["/requests", "Request id (a task id)"],
  ["/", "Task id"],
];

function schemaName(schema: z.ZodType): string {
  const name = SCHEMA_NAMES.get(schema);
  if (!name) throw new Error("an answer's schema has no component name in SCHEMA_NAMES");
  return name;
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
    const description = QUERY_NOTES[`${op.doc.operationId}.${name}`] ?? QUERY_NOTES[name];
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

function answerObject(answer: RouteAnswer, envelopes: Map<z.ZodType, string>): JsonObject {
  if ("payload" in answer) {
    const ref = `#/components/schemas/${envelopes.get(answer.payload)}`;
    return {
      description: answer.description,
      content: { "application/json": { schema: { $ref: ref } } },
    };
  }
  if ("bare" in answer) {
    const schema = { $ref: `#/components/schemas/${schemaName(answer.bare)}` };
    return { description: answer.description, content: { "application/json": { schema } } };
  }
  const content =
    answer.type === "html"
      ? { "text/html": { schema: { type: "string" } } }
      : answer.type === "array"
        ? { "application/json": { schema: { type: "array", items: { type: "object" } } } }
        : { "application/json": { schema: { type: "object" } } };
  return { description: answer.description, content };
}

/** The errors an operation can answer: those its auth, input and path imply, and its own. */
function errorStatuses(op: Operation): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(op.doc.errors ?? []);
  if (op.auth !== "none") statuses.add(401);
  // Keys are limited per key; wrong credentials and uncredentialed routes per client address.
  if (op.auth !== "none" || op.addressLimited) statuses.add(429);
  if (op.jsonBody) for (const s of [400, 413, 415] as const) statuses.add(s);
  if (op.body || op.query || op.doc.params) statuses.add(400);
  if (op.path.includes("{")) statuses.add(404);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(op: Operation, envelopes: Map<z.ZodType, string>): JsonObject {
  const responses: JsonObject = {};
  for (const [status, answer] of Object.entries(op.doc.answers)) {
    responses[status] = answerObject(answer, envelopes);
  }
  for (const status of errorStatuses(op)) {
    responses[String(status)] = { $ref: `#/components/responses/${ERRORS[status].name}` };
  }
  const parameters = [
    ...pathParameters(op.path),
    ...queryParameters(op),
    ...(op.doc.params ?? []).map((p) => ({
      ...p,
      in: "query",
      required: true,
      schema: { type: "string" },
    })),
  ];
  return {
    operationId: op.doc.operationId,
    tags: [op.doc.tag],
    summary: op.doc.summary,
    ...(op.doc.description && { description: op.doc.description }),
    security: SECURITY[op.auth],
    ...(parameters.length > 0 && { parameters }),
    ...(op.body && {
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { $ref: `#/components/schemas/${bodyName(op)}` } },
        },
      },
    }),
    responses,
  };
}

/** Whether a middleware's path pattern (`/a/*`, `*`, `/a`) covers a route's path. */
function covers(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === "/*") return true;
  if (pattern.endsWith("/*")) {
    const prefix = pattern.slice(0, -2);
    return path === prefix || path.startsWith(`${prefix}/`);
  }
  return pattern === path;
}

const DOCUMENTED_METHODS = new Set(["get", "post", "put", "patch", "delete"]);

/**
 * Every operation the app serves, with what its handlers and the middleware in front of them
 * tell. A route without a `describeRoute` is a bug: the build fails rather than leave it out.
 */
export function servedOperations(app: Hono<AppEnv>) {
  const middleware = app.routes.filter((r) => r.method === "ALL");
  const groups = new Map<string, { method: string; path: string; handlers: object[] }>();
  for (const route of app.routes) {
    const method = route.method.toLowerCase();
    if (!DOCUMENTED_METHODS.has(method)) continue;
    const key = `${method} ${route.path}`;
    const group = groups.get(key) ?? { method, path: route.path, handlers: [] };
    group.handlers.push(route.handler);
    groups.set(key, group);
  }
  const operations: Operation[] = [];
  for (const [key, { method, path, handlers }] of groups) {
    const openApiPath = path.replace(/:(\w+)/g, "{$1}");
    const around = [
      ...middleware.filter((m) => covers(m.path, path)).map((m) => m.handler),
      ...handlers,
    ];
    const doc = around.map(routeDocOf).find((d) => d !== undefined);
    if (!doc) throw new Error(`route ${key} has no describeRoute`);
    const inputs = around.map(inputOf);
    const auth: Auth =
      doc.auth ??
      (around.includes(requireAdmin)
        ? "admin"
        : around.includes(requireApiKey)
          ? "apiKey"
          : "none");
    operations.push({
      method: method as Operation["method"],
      path: openApiPath,
      doc,
      auth,
      addressLimited: around.includes(limitByAddress),
      jsonBody: around.some(isJsonBody),
      body: inputs.find((i) => i?.target === "json")?.schema ?? doc.body,
      query: inputs.find((i) => i?.target === "query")?.schema,
    });
  }
  return operations;
}

/** The OpenAPI 3.1 document of `app`. */
export function buildDocument(app: Hono<AppEnv>): JsonObject {
  const operations = servedOperations(app);

  // The recursive JSON value of a task body gets a component of its own in both directions.
  const bodies: Record<string, z.ZodType> = { JsonValue: createTaskSchema.shape.body.unwrap() };
  for (const op of operations) if (op.body) bodies[bodyName(op)] = op.body;
  const requests = components(bodies, "input");

  const named: Record<string, z.ZodType> = {};
  for (const [schema, name] of SCHEMA_NAMES) named[name] = schema;
  const envelopes = new Map<z.ZodType, string>();
  for (const op of operations) {
    for (const answer of Object.values(op.doc.answers)) {
      if (!("payload" in answer)) continue;
      const name = `${schemaName(answer.payload)}Response`;
      envelopes.set(answer.payload, name);
      named[name] = answers.successEnvelope(answer.payload);
    }
  }
  const responses = components({ ...named, JsonValue: answers.jsonValueSchema }, "output");

  const paths: JsonObject = {};
  for (const op of operations) {
    const item = asObject(paths[op.path]);
    item[op.method] = operationObject(op, envelopes);
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
        "Unknown JSON fields are refused. Task routes take an API key, project routes the admin token. " +
        "The requests Belfry sends — calls, callbacks, events and alerts — are described under `webhooks`.",
    },
    tags: [
      { name: "Tasks", description: "A project's tasks and their executions (API key)" },
      { name: "Alerts", description: "The project's alert destination (API key)" },
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
      { name: "Webhooks", description: "The requests Belfry sends, signed per Standard Webhooks" },
    ],
    paths,
    webhooks: webhooks.paths,
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
      schemas: { ...responses, ...requests, ...webhooks.schemas() },
      responses: errorResponses(),
    },
  };
}
