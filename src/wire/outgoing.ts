import { z } from "zod";
import { EVENT_TYPES } from "../core/notifications";

export { alertSchema } from "../core/alerts";
export { EVENT_TYPES, type EventType } from "../core/notifications";

/**
 * The requests Belfry sends: a task's call, its callback and its events (docs/schedules-and-
 * delivery.md). These schemas describe them in the OpenAPI document's `webhooks`; the task
 * object builds the payloads.
 */

const instant = z.string().meta({ description: "ISO 8601, UTC, with milliseconds" });

/** The headers on every call, callback and event, per Standard Webhooks. */
export const SIGNATURE_HEADERS = {
  "webhook-id": "The occurrence's id on a call, the same on each of its retries: dedupe on it",
  "webhook-timestamp": "Unix seconds when this attempt was signed",
  "webhook-signature":
    "`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the project's `whsec_` secret; two, space-separated, for 24 h after a rotation",
} as const;

/** The headers only a task's own call carries. */
export const CALL_HEADERS = {
  "belfry-task-id": "The task's id",
  "belfry-task-name": "The task's name, URL-encoded (absent without a name)",
  "belfry-execution": "The occurrence's number, from 1",
  "belfry-attempt": "The attempt's number within the occurrence, from 1",
  "belfry-scheduled-at": "The grid time this occurrence serves, ISO 8601 UTC with milliseconds",
} as const;

/** What a task's callback_url receives after each occurrence's final attempt. */
export const callbackSchema = z.strictObject({
  task_id: z.string(),
  execution: z.strictObject({
    id: z.string().meta({ description: "The occurrence's id (its calls' webhook-id)" }),
    number: z.number().int().min(1),
    attempts: z.number().int().min(1).meta({ description: "Attempts made for the occurrence" }),
    scheduled_at: instant,
    successful: z.boolean(),
    error: z.string().nullable(),
  }),
  response: z.strictObject({
    status_code: z.number().int().nullable().meta({ description: "null when no answer came" }),
    body: z.json().meta({ description: "The answer's body, parsed when it is JSON" }),
    headers: z.record(z.string(), z.string()),
    truncated: z.boolean().meta({ description: "true when the body was cut at 16 KiB" }),
  }),
});

/** What a task's events_url receives. */
export const eventSchema = z.strictObject({
  type: z.enum(EVENT_TYPES).meta({
    description:
      "job.started before an occurrence's first attempt, job.request before each attempt, job.response for each answer, job.error for each failed attempt, job.finished after the final one",
  }),
  task_id: z.string(),
  execution_id: z.string(),
  at: instant,
  data: z
    .looseObject({
      execution: z.number().int().min(1),
      attempt: z.number().int().min(1),
    })
    .meta({
      description:
        "The execution and attempt numbers, and by type: scheduled_at (started); method, url (request); status_code, duration_ms (response); error, will_retry (error); successful, status_code (finished)",
    }),
});
