import { z } from "zod";
import { executionUuid } from "../core/execution-uuid";
import type { AttemptRecord } from "../core/history";
import type { TaskSnapshot } from "../core/task-view";

/**
 * The Loopitis dialect's wire shapes (docs/dialects.md): what a request body holds and how
 * requests and their calls are shown. Pure, so the `belfry requests` commands use the same ones.
 */

const callbackType = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(["POST", "PUT"], { error: "must be POST or PUT" }));
const occurrences = z.number().int().min(1).max(1_000_000_000);

/** The body of POST /requests. */
export const loopitisRequestSchema = z.strictObject({
  /** Milliseconds between calls. */
  interval: z.number(),
  /** Calls to make in all; unbounded when absent. */
  occurrences: occurrences.nullish(),
  name: z.string().min(1).max(200).nullish(),
  /** Where the calls go. */
  return_url: z.string().min(1),
  /** Sent as the envelope's `payload`, a string as in the document. */
  payload: z.string().nullish(),
  /** POST (the default) or PUT. */
  callback_type: callbackType.nullish(),
});
export type LoopitisRequestInput = z.output<typeof loopitisRequestSchema>;
/** The body as a client sends it. */
export type LoopitisRequestBody = z.input<typeof loopitisRequestSchema>;

/** The body of PUT /requests/:id: a new status, new parameters, or both. */
export const loopitisUpdateSchema = z.strictObject({
  status: z.enum(["cancelled", "paused", "active"]).optional(),
  interval: z.number().optional(),
  occurrences: occurrences.optional(),
  name: z.string().min(1).max(200).optional(),
  return_url: z.string().min(1).optional(),
  payload: z.string().optional(),
  callback_type: callbackType.optional(),
});
export type LoopitisUpdateInput = z.output<typeof loopitisUpdateSchema>;

/** What the view reads back from a task's envelope (absent for tasks made elsewhere). */
export const envelopeSchema = z.object({
  requestedTimes: z.number().nullable(),
  payload: z.string().nullable(),
  cancelLink: z.string(),
  showRequest: z.string(),
});

/** A request as POST /requests answers it. */
export function loopitisRequestView(snapshot: TaskSnapshot) {
  const { definition: d, progress: p } = snapshot;
  const spec = d.schedule;
  const envelope = envelopeSchema.safeParse(d.body).data;
  return {
    requestId: d.id,
    name: d.name,
    interval: spec.kind === "every" ? spec.every : null,
    occurrences:
      envelope?.requestedTimes ?? (spec.kind === "once" ? 1 : (spec.occurrences ?? null)),
    return_url: d.url,
    callback_type: d.method,
    status: p.state,
    cancelLink: envelope?.cancelLink ?? null,
    showRequest: envelope?.showRequest ?? null,
  };
}

/** One call in the show view, in the envelope's vocabulary. */
export function loopitisExecution(a: AttemptRecord) {
  return {
    executionId: executionUuid(a.execution_id),
    executionNumber: a.number,
    attempt: a.attempt,
    scheduledAt: new Date(a.scheduled_at).toISOString(),
    startedAt: new Date(a.started_at).toISOString(),
    statusCode: a.status_code,
    successful: a.successful,
    error: a.error,
    durationMs: a.duration_ms,
  };
}

/** A request with its payload and its latest calls, as GET /requests/:id shows it. */
export function loopitisShownRequest(snapshot: TaskSnapshot, calls: readonly AttemptRecord[]) {
  const envelope = envelopeSchema.safeParse(snapshot.definition.body).data;
  return {
    ...loopitisRequestView(snapshot),
    payload: envelope?.payload ?? null,
    executions: calls.map(loopitisExecution),
  };
}

export type LoopitisRequestView = ReturnType<typeof loopitisRequestView>;
export type LoopitisExecutionView = ReturnType<typeof loopitisExecution>;
export type LoopitisShownRequest = ReturnType<typeof loopitisShownRequest>;
