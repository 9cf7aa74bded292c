import { z } from "zod";
import type { AttemptRecord } from "./history";
import type { OccurrenceOutcome } from "./lifecycle";
import type { Notification } from "./notifications";
import type { TaskDefinition } from "./task-definition";
import type { TaskState } from "./task-view";

// A project's alerts (docs/operations.md, "Alerts"): what its one destination subscribes to,
// and which alerts one recorded attempt raises. The task object queues them with its callbacks
// and events, and its notifier delivers them signed, at least once.

/** The alerts a destination can subscribe to. */
export const ALERT_EVENTS = [
  "occurrence.failed",
  "task.paused",
  "task.recovered",
  "task.failed",
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The body of PUT /api/v1/alerts, and the destination as it is stored and shown. */
export const alertDestinationSchema = z.strictObject({
  url: z.string().min(1).meta({
    description: "Receives the alerts as signed POSTs; the same URL policy as a task's url applies",
  }),
  events: z
    .array(z.enum(ALERT_EVENTS))
    .min(1)
    .max(ALERT_EVENTS.length)
    .refine((events) => new Set(events).size === events.length, "must not repeat an event")
    .optional()
    .meta({ description: "The alerts to send; absent: all four" }),
});
export type AlertDestinationInput = z.output<typeof alertDestinationSchema>;

/** What a project's alert destination receives (PUT /api/v1/alerts). */
export const alertSchema = z.strictObject({
  type: z.enum(ALERT_EVENTS).meta({
    description:
      "occurrence.failed: an occurrence's final attempt failed; task.paused: the failure policy paused the task; task.recovered: the first success after one or more failed occurrences; task.failed: the task ended failed (410 Gone, or a one-time task's call failed)",
  }),
  at: z.string().meta({ description: "ISO 8601, UTC, with milliseconds" }),
  task: z.strictObject({
    id: z.string(),
    name: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
  }),
  execution_id: z.string().meta({ description: "The occurrence that raised it (its webhook-id)" }),
  data: z.strictObject({
    status_code: z.number().int().nullable().meta({ description: "null when no answer came" }),
    error: z.string().nullable(),
    consecutive_failures: z.number().int().min(0).meta({
      description: "Occurrences in a row whose final attempt failed, this one included",
    }),
  }),
});

export type Alert = z.output<typeof alertSchema>;

/** A project's alert destination, with its events spelled out. */
export interface AlertDestination {
  url: string;
  events: AlertEvent[];
}

/** The destination a PUT body describes: absent events mean every event. */
export function toAlertDestination(input: AlertDestinationInput): AlertDestination {
  return { url: input.url, events: input.events ?? [...ALERT_EVENTS] };
}

/** What happened to a task as one attempt was recorded. */
export interface RecordedChange {
  record: AttemptRecord;
  /** The occurrence's end as the failure policy counted it; null while it will be retried. */
  outcome: OccurrenceOutcome | null;
  stateBefore: TaskState;
  stateAfter: TaskState;
}

/**
 * The alerts one recorded attempt raises for `destination`, in the order they happened: the
 * occurrence's failure before the pause or the end it caused.
 */
export function alertsFor(
  def: TaskDefinition,
  change: RecordedChange,
  destination: AlertDestination | null,
  now: number,
): Notification[] {
  if (!destination) return [];
  const { record, outcome } = change;
  const raised: AlertEvent[] = [];
  if (outcome && !record.successful) raised.push("occurrence.failed");
  if (outcome?.paused) raised.push("task.paused");
  if (outcome?.recovered) raised.push("task.recovered");
  if (change.stateAfter === "failed" && change.stateBefore !== "failed") raised.push("task.failed");
  const wanted = new Set(destination.events);
  return raised
    .filter((type) => wanted.has(type))
    .map((type): Notification => {
      const payload: Alert = {
        type,
        at: new Date(now).toISOString(),
        task: { id: def.id, name: def.name, labels: def.labels ?? {} },
        execution_id: record.execution_id,
        data: {
          status_code: record.status_code,
          error: record.error,
          consecutive_failures: outcome?.consecutive_failures ?? 0,
        },
      };
      return { url: destination.url, payload };
    });
}
