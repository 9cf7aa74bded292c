import { jsonValueSchema } from "../wire/answers";
import {
  alertSchema,
  CALL_HEADERS,
  callbackSchema,
  eventSchema,
  SIGNATURE_HEADERS,
} from "../wire/outgoing";
import { components, type JsonObject } from "./json-schema";

/**
 * The `webhooks` of the OpenAPI document: the requests Belfry sends — a task's call, its
 * callback and its events — and what their receivers' answers mean
 * (docs/schedules-and-delivery.md).
 */

function headerParameters(headers: Record<string, string>, required: boolean): JsonObject[] {
  return Object.entries(headers).map(([name, description]) => ({
    name,
    in: "header",
    required: required && name !== "belfry-task-name",
    description,
    schema: { type: "string" },
  }));
}

const SIGNED = headerParameters(SIGNATURE_HEADERS, true);

const NOTIFICATION_ANSWERS: JsonObject = {
  "2XX": { description: "Received" },
  default: {
    description:
      "Tried again after 1 s and 2 s, three attempts in all; best effort, not kept across a restart",
  },
};

function notification(
  operationId: string,
  summary: string,
  description: string,
  schema: string,
): JsonObject {
  return {
    post: {
      operationId,
      tags: ["Webhooks"],
      summary,
      description,
      parameters: SIGNED,
      requestBody: {
        required: true,
        content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
      },
      responses: NOTIFICATION_ANSWERS,
    },
  };
}

export const webhooks = {
  paths: {
    call: {
      post: {
        operationId: "taskCall",
        tags: ["Webhooks"],
        summary: "A task's call to its url",
        description:
          "Sent with the task's method (POST here stands for any of them), headers, query and body; a JSON body as JSON, a string as-is. `$job`, `$state` and `$previous` in the body are filled in when the call is made. Retries of one occurrence carry the same webhook-id.",
        parameters: [...SIGNED, ...headerParameters(CALL_HEADERS, true)],
        requestBody: {
          required: false,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/JsonValue" } },
            "text/plain": { schema: { type: "string" } },
          },
        },
        responses: {
          "2XX": {
            description:
              'Success. A JSON answer with a top-level "$state" key sets the task\'s $state for later calls',
          },
          "410": { description: "Gone: the task stops (state failed)" },
          "429": {
            description: "Retried; a Retry-After is used as the delay, capped at max_backoff",
          },
          "503": {
            description: "Retried; a Retry-After is used as the delay, capped at max_backoff",
          },
          default: {
            description:
              "Failed: retried up to retry.attempts with exponential backoff. A timeout, a network error or a redirect (never followed) fails alike",
          },
        },
      },
    },
    callback: notification(
      "taskCallback",
      "The final result of each occurrence, to callback_url",
      "Sent after an occurrence's final attempt, in order per task, without holding up its calls.",
      "Callback",
    ),
    event: notification(
      "taskEvent",
      "An occurrence's lifecycle events, to events_url",
      "job.started, job.request, job.response, job.error and job.finished, in order per task.",
      "Event",
    ),
    alert: notification(
      "projectAlert",
      "A project's alerts, to its alert destination",
      "occurrence.failed, task.paused, task.recovered and task.failed, as PUT /api/v1/alerts subscribed to them; delivered at least once (webhook-id is the alert's own), in order per task.",
      "Alert",
    ),
  } satisfies JsonObject,

  /** The components the webhooks refer to. */
  schemas(): JsonObject {
    return components(
      {
        Callback: callbackSchema,
        Event: eventSchema,
        Alert: alertSchema,
        JsonValue: jsonValueSchema,
      },
      "output",
    );
  },
};
