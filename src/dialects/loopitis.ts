import { type Context, Hono } from "hono";
import { z } from "zod";
import { readConfig } from "../config";
import { BelfryError, invalidField } from "../core/errors";
import { newAccessToken } from "../core/keys";
import { commaSeparated, createTaskSchema, patchTaskSchema } from "../core/task-input";
import { TASK_STATES, type TaskSnapshot } from "../core/task-view";
import { MAX_OFFSET } from "../db/paged-queries";
import { requireApiKey } from "../http/auth";
import type { AppEnv } from "../http/context";
import { limitByAddress } from "../http/rate-limit";
import { describeRoute } from "../http/route-doc";
import { parseOrThrow, readBounded, validate } from "../http/validation";
import {
  changeTaskState,
  createTask,
  getTask,
  type LifecycleAction,
  listExecutions,
  listTasksByOffset,
  projectForToken,
  updateTask,
} from "../task/commands";
import { type FieldNames, inDialectTerms } from "./field-names";
import {
  envelopeSchema,
  type LoopitisRequestInput,
  type LoopitisUpdateInput,
  loopitisRequestSchema,
  loopitisRequestView,
  loopitisShownRequest,
  loopitisUpdateSchema,
} from "./loopitis-shapes";

/**
 * The Loopitis dialect (docs/dialects.md): `/requests`. A request calls `return_url` every
 * `interval` ms, `occurrences` times, with the document's envelope as the body, whose cancel and
 * show links work with the request's own token instead of an API key.
 */

const STATUS_ACTIONS = { cancelled: "cancel", paused: "pause", active: "resume" } as const;

export const loopitisListQuerySchema = z.strictObject({
  /** Comma-separated statuses: active, paused, completed, cancelled, failed. */
  status: commaSeparated(TASK_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
});

const tokenQuerySchema = z.strictObject({
  requestId: z.string().min(1).max(100),
  token: z.string().min(1).max(200),
});

/** Loopitis' names for the core fields a request maps to, for error messages. */
const FIELD_NAMES: FieldNames = {
  url: "return_url",
  method: "callback_type",
  "schedule.every": "interval",
  "schedule.occurrences": "occurrences",
  body: "payload",
};

// ---- the lenient body: the document's own example is not valid JSON ----

const PAYLOAD_OPENING = /"payload"\s*:\s*"/;
const STRING_END = /\s*[,}]/y;
/** How many closing-quote candidates a repair tries, so a huge body cannot cost quadratic time. */
const REPAIR_TRIES = 64;

/**
 * Read the document's example form `"payload": "{"key": "value"}"`, a string whose inner quotes
 * are not escaped: the payload is taken to end at the first quote after which the whole body
 * parses, its inner quotes escaped. Undefined when no such reading exists.
 */
export function repairPayloadQuotes(text: string): unknown {
  const opening = PAYLOAD_OPENING.exec(text);
  if (!opening) return undefined;
  const start = opening.index + opening[0].length;
  let tries = 0;
  for (let end = text.indexOf('"', start); end !== -1; end = text.indexOf('"', end + 1)) {
    STRING_END.lastIndex = end + 1;
    if (!STRING_END.test(text)) continue;
    if (++tries > REPAIR_TRIES) return undefined;
    const inner = text
      .slice(start, end)
      .replace(/\\?"/g, '\\"')
      .replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r")
      .replace(/\t/g, "\\t");
    try {
      return JSON.parse(text.slice(0, start) + inner + text.slice(end));
    } catch {
      // not this quote; try the next one
    }
  }
  return undefined;
}

/** A Loopitis body: JSON, or the document's example form with an unescaped payload string. */
export function parseLoopitisBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const repaired = repairPayloadQuotes(text);
    if (repaired !== undefined) return repaired;
    throw new BelfryError("invalid_request", "body: is not valid JSON", [
      { path: "body", message: "is not valid JSON" },
    ]);
  }
}

/**
 * The request body under the same rules as the native API's JSON routes (415, 413, UTF-8),
 * except that it is parsed leniently.
 */
async function readLoopitisBody(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new BelfryError("unsupported_media_type", "content-type: must be application/json");
  }
  const limit = readConfig(c.env).maxBodyBytes;
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    throw new BelfryError("payload_too_large", `body: must be at most ${limit} bytes`);
  }
  const raw = await readBounded(c.req.raw.body, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(raw);
  } catch {
    throw new BelfryError("invalid_request", "body: is not UTF-8", [
      { path: "body", message: "is not UTF-8" },
    ]);
  }
  return parseLoopitisBody(text);
}

// ---- translation ----

/** The links a receiver may use without an API key. */
export interface RequestLinks {
  cancelLink: string;
  showRequest: string;
}

/** Absolute links on this deployment for one request, carrying its access token. */
export function requestLinks(origin: string, id: string, token: string): RequestLinks {
  const query = new URLSearchParams({ requestId: id, token }).toString();
  return {
    cancelLink: `${origin}/requests/cancel_task?${query}`,
    showRequest: `${origin}/requests/get_list?${query}`,
  };
}

/**
 * The body of every call: the document's envelope, built once at create time. The per-call
 * values are Belfry's dynamic fields, which the core fills in at each call.
 */
export function loopitisEnvelope(
  req: Pick<LoopitisRequestInput, "occurrences" | "name" | "payload">,
  id: string,
  links: RequestLinks,
) {
  return {
    requestedTimes: req.occurrences ?? null,
    parentRequestId: id,
    parentRequestName: req.name ?? null,
    executionNumber: "$job.execution",
    // The document's own spelling, kept so receivers written against it keep working.
    executionNumer: "$job.execution",
    executionId: "$job.execution_uuid",
    payload: req.payload ?? null,
    ...links,
  };
}

/** Translate a Loopitis request into the native create body. */
export function loopitisToNative(
  req: LoopitisRequestInput,
  id: string,
  links: RequestLinks,
): z.input<typeof createTaskSchema> {
  return {
    url: req.return_url,
    method: req.callback_type ?? "POST",
    ...(req.name != null && { name: req.name }),
    body: loopitisEnvelope(req, id, links),
    schedule: {
      every: req.interval,
      ...(req.occurrences != null && { occurrences: req.occurrences }),
    },
  };
}

/** Translate a Loopitis update's parameters into a native patch, or null when it has none. */
export function loopitisPatch(
  update: LoopitisUpdateInput,
  snapshot: TaskSnapshot,
): z.input<typeof patchTaskSchema> | null {
  const { definition: d, progress: p } = snapshot;
  const patch: z.input<typeof patchTaskSchema> = {};
  if (update.return_url !== undefined) patch.url = update.return_url;
  if (update.callback_type !== undefined) patch.method = update.callback_type;
  if (update.name !== undefined) patch.name = update.name;
  const body = d.body;
  const envelope = typeof body === "object" && body !== null && !Array.isArray(body) ? body : null;
  const total = update.occurrences ?? envelopeSchema.safeParse(body).data?.requestedTimes;
  if (update.interval !== undefined || update.occurrences !== undefined) {
    const every = update.interval ?? (d.schedule.kind === "every" ? d.schedule.every : undefined);
    if (every === undefined) throw invalidField("interval", "is required: the task has none");
    // Loopitis counts occurrences over the whole request, while a new schedule in the core
    // counts afresh: the new schedule gets the calls still to make.
    let remaining: number | undefined;
    if (total != null) {
      remaining = total - p.occurrences_used;
      if (remaining < 1) {
        throw invalidField("occurrences", `must be more than the ${p.occurrences_used} calls made`);
      }
    }
    patch.schedule = { every, ...(remaining !== undefined && { occurrences: remaining }) };
  }
  if (envelope && (update.payload ?? update.name ?? update.occurrences) !== undefined) {
    patch.body = {
      ...envelope,
      ...(update.payload !== undefined && { payload: update.payload }),
      ...(update.name !== undefined && { parentRequestName: update.name }),
      ...(update.occurrences !== undefined && { requestedTimes: update.occurrences }),
    };
  } else if (!envelope && update.payload !== undefined) {
    patch.body = update.payload;
  }
  return Object.keys(patch).length > 0 ? patch : null;
}

/** A request with its payload and its latest calls (up to 100, newest first). */
async function showRequest(env: Env, projectId: string, id: string) {
  const snapshot = await getTask(env, projectId, id);
  const calls = await listExecutions(env, projectId, id, { limit: 100 });
  return loopitisShownRequest(snapshot, calls.results);
}

/** The Loopitis routes, mounted at /requests. */
export const loopitisRoutes = new Hono<AppEnv>();

// Loopitis answers are bare objects in its document's shapes, which have no schema here.
const requestAnswer = { type: "object", description: "The request" } as const;

// The two links a receiver gets: no API key, only the request's own token, for that request.
// Anyone can call them, so each is counted against its address's limit before anything else.
// A cancelLink may be followed (GET) or posted to: one route, documented as two operations.
for (const [method, operationId] of [
  ["GET", "loopitisCancelLink"],
  ["POST", "loopitisCancelLinkPost"],
] as const) {
  loopitisRoutes.on(
    method,
    "/cancel_task",
    describeRoute({
      operationId,
      tag: "Loopitis",
      summary: "Cancel a request through its cancelLink",
      description: "Authorised by the request's own token instead of an API key.",
      answers: { 200: requestAnswer },
      errors: [404, 409],
    }),
    limitByAddress,
    validate("query", tokenQuerySchema),
    async (c) => {
      const { requestId, token } = c.req.valid("query");
      const projectId = await projectForToken(c.env, requestId, token);
      const snapshot = await changeTaskState(c.env, projectId, requestId, "cancel");
      return c.json(loopitisRequestView(snapshot));
    },
  );
}

loopitisRoutes.get(
  "/get_list",
  describeRoute({
    operationId: "loopitisShowLink",
    tag: "Loopitis",
    summary: "Read a request through its showRequest link",
    description: "Authorised by the request's own token instead of an API key.",
    answers: { 200: requestAnswer },
    errors: [404],
  }),
  limitByAddress,
  validate("query", tokenQuerySchema),
  async (c) => {
    const { requestId, token } = c.req.valid("query");
    const projectId = await projectForToken(c.env, requestId, token);
    return c.json(await showRequest(c.env, projectId, requestId));
  },
);

loopitisRoutes.post(
  "/",
  describeRoute({
    operationId: "loopitisCreateRequest",
    tag: "Loopitis",
    summary: "Create a repeating request, Loopitis style",
    description:
      "Each call's body is the Loopitis envelope, with `cancelLink` and `showRequest` links that work without an API key.",
    body: loopitisRequestSchema,
    answers: { 201: { type: "object", description: "The request, with its links" } },
    errors: [413],
  }),
  requireApiKey,
  async (c) => {
    const req = parseOrThrow(loopitisRequestSchema, await readLoopitisBody(c));
    // The envelope names the request and its links, so the id and token are chosen first.
    const id = crypto.randomUUID();
    const token = newAccessToken();
    const links = requestLinks(new URL(c.req.url).origin, id, token);
    const { snapshot } = await inDialectTerms(FIELD_NAMES, () =>
      createTask(
        c.env,
        c.var.projectId,
        parseOrThrow(createTaskSchema, loopitisToNative(req, id, links)),
        { taskId: id, withAccessToken: true, accessToken: token },
      ),
    );
    return c.json(loopitisRequestView(snapshot), 201);
  },
);

loopitisRoutes.get(
  "/",
  describeRoute({
    operationId: "loopitisListRequests",
    tag: "Loopitis",
    summary: "List requests",
    answers: { 200: { type: "array", description: "The requests" } },
  }),
  requireApiKey,
  validate("query", loopitisListQuerySchema),
  async (c) => {
    const query = c.req.valid("query");
    const page = await listTasksByOffset(c.env, c.var.projectId, {
      limit: query.limit,
      offset: query.offset,
      ...(query.status && { states: query.status }),
    });
    return c.json(page.results.map(loopitisRequestView));
  },
);

loopitisRoutes.get(
  "/:id",
  describeRoute({
    operationId: "loopitisGetRequest",
    tag: "Loopitis",
    summary: "Read a request and its executions",
    answers: { 200: requestAnswer },
  }),
  requireApiKey,
  async (c) => c.json(await showRequest(c.env, c.var.projectId, c.req.param("id"))),
);

loopitisRoutes.put(
  "/:id",
  describeRoute({
    operationId: "loopitisUpdateRequest",
    tag: "Loopitis",
    summary: "Change a request's status or parameters",
    body: loopitisUpdateSchema,
    answers: { 200: requestAnswer },
    errors: [409, 413],
  }),
  requireApiKey,
  async (c) => {
    const update = parseOrThrow(loopitisUpdateSchema, await readLoopitisBody(c));
    const { projectId } = c.var;
    const id = c.req.param("id");
    let snapshot = await getTask(c.env, projectId, id);
    const patch = await inDialectTerms(FIELD_NAMES, () => loopitisPatch(update, snapshot));
    if (patch) {
      snapshot = await inDialectTerms(FIELD_NAMES, () =>
        updateTask(c.env, projectId, id, parseOrThrow(patchTaskSchema, patch)),
      );
    }
    if (update.status) {
      const action: LifecycleAction = STATUS_ACTIONS[update.status];
      snapshot = await changeTaskState(c.env, projectId, id, action);
    }
    return c.json(loopitisRequestView(snapshot));
  },
);
