import type { FC } from "hono/jsx";
import { scheduleInWords } from "../../core/schedule-words";
import { TASK_STATES, type TaskSnapshot } from "../../core/task-view";
import { Instant, Layout, type PageContext } from "./layout";
import { LabelFilter, type PageLinks, Pager } from "./list-controls";

export interface TaskFilters {
  state?: string | undefined;
  /** key:value */
  label?: string | undefined;
  /** Name prefix. */
  name?: string | undefined;
}

/** The last result of a task in a few words: the status code or the error. */
export function lastResult(snapshot: TaskSnapshot): string {
  const { progress } = snapshot;
  if (progress.executions.total === 0) return "Not run yet";
  const code = progress.last_response?.status_code;
  if (progress.last_error) return code ? `${code}: ${progress.last_error}` : progress.last_error;
  return code ? `HTTP ${code}` : "—";
}

/** A task's labels as key:value chips; nothing when it has none. */
export const Labels: FC<{ labels: Record<string, string> | undefined }> = ({ labels }) => {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return null;
  return (
    <ul class="labels" aria-label="Labels">
      {entries.map(([k, v]) => (
        <li>{`${k}:${v}`}</li>
      ))}
    </ul>
  );
};

/** The Tasks page: filters, a table of the project's tasks, and cursor pages. */
export const TasksPage: FC<
  PageLinks & {
    page: PageContext;
    tasks: TaskSnapshot[];
    filters: TaskFilters;
    notice?: string;
    error?: string;
  }
> = ({ page, tasks, filters, nextPage, firstPage, notice, error }) => (
  <Layout title="Tasks" page={page} notice={notice} error={error}>
    <form method="get" action="/dashboard" class="filters" aria-label="Filter tasks">
      <div>
        <label for="filter-state">State</label>
        <select id="filter-state" name="state">
          <option value="">Any</option>
          {TASK_STATES.map((s) => (
            <option value={s} selected={filters.state === s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <LabelFilter id="filter-label" value={filters.label} />
      <div>
        <label for="filter-name">Name starts with</label>
        <input id="filter-name" name="name" value={filters.name ?? ""} />
      </div>
      <button type="submit">Filter</button>
    </form>
    {tasks.length === 0 ? (
      <p>
        No tasks here yet. <a href="/dashboard/new">Create one</a>.
      </p>
    ) : (
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">The project's tasks, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Schedule</th>
              <th scope="col">Next run</th>
              <th scope="col">Last result</th>
              <th scope="col">Failures</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr>
                <td>
                  <a href={`/dashboard/tasks/${t.definition.id}`}>
                    {t.definition.name ?? t.definition.id}
                  </a>
                  <Labels labels={t.definition.labels} />
                </td>
                <td>
                  <span class={`state ${t.progress.state}`}>{t.progress.state}</span>
                </td>
                <td>{scheduleInWords(t.definition.schedule)}</td>
                <td>
                  <Instant ms={t.progress.next_run_at} />
                </td>
                <td>{lastResult(t)}</td>
                <td>{t.progress.executions.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    <Pager firstPage={firstPage} nextPage={nextPage} first="First page" next="Next page" />
  </Layout>
);
