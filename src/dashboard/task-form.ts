import { z } from "zod";
import { invalidField } from "../core/errors";
import { parseOrThrow } from "../core/parse-input";
import { type CreateTaskInput, createTaskSchema } from "../core/task-input";

/**
 * The New task form: what a person types, as strings, turned into the create body the API
 * takes. Validation is the API's own (createTaskSchema), so the form refuses exactly what
 * POST /api/v1/tasks refuses, naming the same fields.
 */

export const SCHEDULE_KINDS = ["every", "cron", "at", "delay"] as const;
export const BODY_TYPES = ["json", "text"] as const;

const field = z.string().max(300_000).default("");

/** The form's fields as submitted; every one is a string, empty when left blank. */
export const taskFormSchema = z.object({
  name: field,
  url: field,
  method: field,
  headers: field,
  body: field,
  body_type: z.enum(BODY_TYPES).catch("json"),
  schedule_kind: z.enum(SCHEDULE_KINDS).catch("every"),
  schedule: field,
  timezone: field,
  occurrences: field,
  attempts: field,
  timeout: field,
  labels: field,
  pause_after_failures: field,
});
export type TaskForm = z.output<typeof taskFormSchema>;

/** An empty form with its defaults. */
export function blankTaskForm(): TaskForm {
  return taskFormSchema.parse({ method: "POST", schedule_kind: "every", timezone: "UTC" });
}

/** The form's fields from a submitted body. */
export function readTaskForm(params: URLSearchParams): TaskForm {
  return taskFormSchema.parse(Object.fromEntries(params));
}

/** "Name: value" lines into a map; blank lines are skipped. */
function parseLines(text: string, path: string, separator: ":" | "="): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const at = line.indexOf(separator);
    if (at <= 0)
      throw invalidField(path, `line ${i + 1}: write one "name${separator} value" a line`);
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  return out;
}

/** A duration as typed: digits alone are milliseconds, as in the API; "5m" and such pass on. */
function duration(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** An integer field, or a 400 naming it. */
function integer(text: string, path: string): number {
  if (!/^\d{1,10}$/.test(text)) throw invalidField(path, "must be a whole number");
  return Number(text);
}

/** The schedule object of the create body (also what the schedule preview takes). */
export function scheduleFromForm(form: TaskForm): Record<string, string | number> {
  const value = form.schedule.trim();
  if (value === "") throw invalidField(`schedule.${form.schedule_kind}`, "is required");
  const schedule: Record<string, string | number> = {};
  switch (form.schedule_kind) {
    case "every":
    case "delay":
      schedule[form.schedule_kind] = duration(value);
      break;
    case "at":
      schedule.at = /^\d+$/.test(value) ? Number(value) : value;
      break;
    case "cron":
      schedule.cron = value;
      if (form.timezone.trim() !== "") schedule.timezone = form.timezone.trim();
      break;
  }
  if (form.occurrences.trim() !== "") {
    schedule.occurrences = integer(form.occurrences.trim(), "schedule.occurrences");
  }
  return schedule;
}

/** The create body a filled-in form stands for, checked as the API checks it. */
export function createInputFromForm(form: TaskForm): CreateTaskInput {
  const input: Record<string, unknown> = {
    url: form.url.trim(),
    schedule: scheduleFromForm(form),
  };
  if (form.name.trim() !== "") input.name = form.name.trim();
  if (form.method.trim() !== "") input.method = form.method.trim();
  const headers = parseLines(form.headers, "headers", ":");
  if (Object.keys(headers).length > 0) input.headers = headers;
  if (form.body.trim() !== "") {
    if (form.body_type === "text") {
      input.body = form.body;
    } else {
      try {
        input.body = JSON.parse(form.body);
      } catch {
        throw invalidField("body", 'is not valid JSON (choose "Text" to send it as written)');
      }
    }
  }
  if (form.attempts.trim() !== "") {
    input.retry = { attempts: integer(form.attempts.trim(), "retry.attempts") };
  }
  if (form.timeout.trim() !== "") input.timeout = duration(form.timeout.trim());
  const labels = parseLines(form.labels, "labels", "=");
  if (Object.keys(labels).length > 0) input.labels = labels;
  if (form.pause_after_failures.trim() !== "") {
    input.pause_after_failures = integer(form.pause_after_failures.trim(), "pause_after_failures");
  }
  return parseOrThrow(createTaskSchema, input);
}
