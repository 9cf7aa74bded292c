import type { FC } from "hono/jsx";
import { METHODS } from "../../core/task-input";
import { BODY_TYPES, SCHEDULE_KINDS, type TaskForm } from "../task-form";
import { CsrfField, Layout, Notice, type PageContext } from "./layout";

const KIND_LABELS: Record<(typeof SCHEDULE_KINDS)[number], string> = {
  every: "Every (interval, e.g. 5m)",
  cron: "Cron pattern (e.g. 0 9 * * 1-5)",
  at: "Once at (e.g. 2026-12-24T09:00:00Z)",
  delay: "Once after (e.g. 30s)",
};

/** A labelled text field; `invalid` marks it for assistive technology too. */
const Field: FC<{
  id: keyof TaskForm;
  label: string;
  value: string;
  invalid: boolean;
  type?: string;
  hint?: string;
  required?: boolean;
}> = ({ id, label, value, invalid, type, hint, required }) => (
  <div class="field">
    <label for={`f-${id}`}>{label}</label>
    <input
      id={`f-${id}`}
      name={id}
      type={type ?? "text"}
      value={value}
      required={required}
      aria-invalid={invalid ? "true" : undefined}
      aria-describedby={hint ? `f-${id}-hint` : undefined}
    />
    {hint && (
      <small id={`f-${id}-hint`} class="hint">
        {hint}
      </small>
    )}
  </div>
);

const TextArea: FC<{
  id: keyof TaskForm;
  label: string;
  value: string;
  invalid: boolean;
  hint: string;
}> = ({ id, label, value, invalid, hint }) => (
  <div class="field">
    <label for={`f-${id}`}>{label}</label>
    <textarea
      id={`f-${id}`}
      name={id}
      rows={4}
      aria-invalid={invalid ? "true" : undefined}
      aria-describedby={`f-${id}-hint`}
    >
      {value}
    </textarea>
    <small id={`f-${id}-hint`} class="hint">
      {hint}
    </small>
  </div>
);

/** A labelled choice among `options`, given as value → text. */
const Select: FC<{
  id: keyof TaskForm;
  label: string;
  options: readonly (readonly [value: string, text: string])[];
  selected: string;
}> = ({ id, label, options, selected }) => (
  <div class="field">
    <label for={`f-${id}`}>{label}</label>
    <select id={`f-${id}`} name={id}>
      {options.map(([value, text]) => (
        <option value={value} selected={selected === value}>
          {text}
        </option>
      ))}
    </select>
  </div>
);

/** Whether a refused field path belongs to this form field. */
function refused(paths: string[], ...prefixes: string[]): boolean {
  return paths.some((p) => prefixes.some((prefix) => p === prefix || p.startsWith(`${prefix}.`)));
}

/** The New task page: the create fields, and the schedule's next runs as it is typed. */
export const NewTaskPage: FC<{
  page: PageContext;
  form: TaskForm;
  error?: { message: string; paths: string[] };
  script?: string;
}> = ({ page, form, error, script }) => {
  const paths = error?.paths ?? [];
  return (
    <Layout title="New task" page={page} {...(script && { script })}>
      {error && <Notice kind="error">{error.message}</Notice>}
      <form method="post" action="/dashboard/new" class="task-form" id="new-task">
        <CsrfField token={page.csrf} />
        <fieldset>
          <legend>Request</legend>
          <Field id="name" label="Name" value={form.name} invalid={refused(paths, "name")} />
          <Field
            id="url"
            label="URL"
            type="url"
            value={form.url}
            invalid={refused(paths, "url")}
            required
          />
          <Select
            id="method"
            label="Method"
            options={METHODS.map((m) => [m, m] as const)}
            selected={form.method.toUpperCase()}
          />
          <TextArea
            id="headers"
            label="Headers"
            value={form.headers}
            invalid={refused(paths, "headers")}
            hint="One a line: Name: value"
          />
          <TextArea
            id="body"
            label="Body"
            value={form.body}
            invalid={refused(paths, "body")}
            hint="Sent with every call; empty for none"
          />
          <Select
            id="body_type"
            label="Body is"
            options={BODY_TYPES.map(
              (t) => [t, t === "json" ? "JSON" : "Text, as written"] as const,
            )}
            selected={form.body_type}
          />
        </fieldset>
        <fieldset>
          <legend>Schedule</legend>
          <Select
            id="schedule_kind"
            label="Runs"
            options={SCHEDULE_KINDS.map((k) => [k, KIND_LABELS[k]] as const)}
            selected={form.schedule_kind}
          />
          <Field
            id="schedule"
            label="Schedule"
            value={form.schedule}
            invalid={refused(paths, "schedule")}
            hint="An interval (5m), a cron pattern, an instant or a delay, as chosen above"
            required
          />
          <Field
            id="timezone"
            label="Time zone (cron only)"
            value={form.timezone}
            invalid={refused(paths, "schedule.timezone")}
          />
          <Field
            id="occurrences"
            label="Stop after this many calls"
            type="number"
            value={form.occurrences}
            invalid={refused(paths, "schedule.occurrences")}
          />
          <section id="preview" aria-labelledby="preview-title" hidden>
            <h2 id="preview-title">Next runs</h2>
            <p id="preview-status" aria-live="polite" />
            <ol id="preview-runs" aria-label="Next runs of this schedule" />
          </section>
        </fieldset>
        <fieldset>
          <legend>Retries and failures</legend>
          <Field
            id="attempts"
            label="Attempts per call (1 = never retry)"
            type="number"
            value={form.attempts}
            invalid={refused(paths, "retry")}
          />
          <Field
            id="timeout"
            label="Timeout per attempt"
            value={form.timeout}
            invalid={refused(paths, "timeout")}
            hint="e.g. 30s; default 30s"
          />
          <Field
            id="pause_after_failures"
            label="Pause after this many failed executions in a row"
            type="number"
            value={form.pause_after_failures}
            invalid={refused(paths, "pause_after_failures")}
            hint="Empty: never pause for failures"
          />
        </fieldset>
        <fieldset>
          <legend>Labels</legend>
          <TextArea
            id="labels"
            label="Labels"
            value={form.labels}
            invalid={refused(paths, "labels")}
            hint="One a line: key=value, e.g. team=billing"
          />
        </fieldset>
        <button type="submit">Create task</button>
      </form>
    </Layout>
  );
};
