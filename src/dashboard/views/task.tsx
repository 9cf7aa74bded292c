import type { FC } from "hono/jsx";
import type { AttemptRecord } from "../../core/history";
import { durationInWords, scheduleInWords } from "../../core/schedule-words";
import { FINISHED_STATES, messageOf, type TaskSnapshot, upcomingRuns } from "../../core/task-view";
import { LatenessChart } from "./chart";
import { CsrfField, Instant, Layout, type PageContext } from "./layout";
import { Labels } from "./tasks";

/** The buttons of the Task page; `confirm` ones ask again before they act. */
const ACTIONS = [
  { action: "pause", label: "Pause", confirm: false },
  { action: "resume", label: "Resume", confirm: false },
  { action: "run", label: "Run now", confirm: false },
  { action: "cancel", label: "Cancel", confirm: true },
  { action: "delete", label: "Delete", confirm: true },
] as const;
export type TaskAction = (typeof ACTIONS)[number]["action"];
export const TASK_ACTIONS: readonly TaskAction[] = ACTIONS.map((a) => a.action);
export const DESTRUCTIVE: ReadonlySet<TaskAction> = new Set(
  ACTIONS.filter((a) => a.confirm).map((a) => a.action),
);

/** The actions that make sense in a task's state (the server still checks each one). */
function available(snapshot: TaskSnapshot): Set<TaskAction> {
  const { state } = snapshot.progress;
  if (FINISHED_STATES.has(state)) return new Set(["delete"]);
  return new Set([state === "paused" ? "resume" : "pause", "run", "cancel", "delete"]);
}

const Json: FC<{ value: unknown }> = ({ value }) => (
  <pre>{typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre>
);

const Pairs: FC<{ value: Record<string, string> }> = ({ value }) => {
  const entries = Object.entries(value);
  if (entries.length === 0) return <span>none</span>;
  return (
    <ul class="pairs">
      {entries.map(([k, v]) => (
        <li>
          <code>{k}</code>: <code>{v}</code>
        </li>
      ))}
    </ul>
  );
};

/** The executions table: one row per attempt, newest first. */
export const ExecutionsTable: FC<{
  attempts: (AttemptRecord & { task_name?: string | null })[];
  /** Project-wide: a Task column, from each record's task_name. */
  showTask?: boolean;
  /**
   * A "Replay" button on each row, its form carrying the CSRF token and the list's filter and
   * page, which the replay's answer returns to.
   */
  replay?: { csrf: string; label: string | undefined; cursor: string | undefined };
}> = ({ attempts, showTask, replay }) => (
  <div class="table-wrap">
    <table>
      <thead>
        <tr>
          {showTask && <th scope="col">Task</th>}
          <th scope="col">Started</th>
          <th scope="col">Execution</th>
          <th scope="col">Result</th>
          <th scope="col">Late by</th>
          <th scope="col">Took</th>
          {replay && <th scope="col">Action</th>}
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr>
            {showTask && (
              <td>
                <a href={`/dashboard/tasks/${a.task_id}`}>{a.task_name ?? a.task_id}</a>
              </td>
            )}
            <td>
              <Instant ms={a.started_at} />
            </td>
            <td>{`#${a.number}, attempt ${a.attempt}`}</td>
            <td>
              <span class={a.successful ? "outcome ok" : "outcome failed"}>
                {a.successful ? "OK" : "Failed"}
              </span>{" "}
              {a.error ?? (a.status_code !== null ? `HTTP ${a.status_code}` : "")}
            </td>
            <td>{`${a.lateness_ms} ms`}</td>
            <td>{`${a.duration_ms} ms`}</td>
            {replay && (
              <td>
                <form method="post" action="/dashboard/failures/replay">
                  <CsrfField token={replay.csrf} />
                  <input type="hidden" name="task_id" value={a.task_id} />
                  <input type="hidden" name="execution_id" value={a.execution_id} />
                  {replay.label && <input type="hidden" name="label" value={replay.label} />}
                  {replay.cursor && <input type="hidden" name="cursor" value={replay.cursor} />}
                  <button type="submit">Replay</button>
                </form>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

/** The Task page: state and actions, definition, next runs, the chart and the executions. */
export const TaskPage: FC<{
  page: PageContext;
  task: TaskSnapshot;
  recent: AttemptRecord[];
  executions: AttemptRecord[];
  olderExecutions: string | null;
  notice?: string;
  error?: string;
}> = ({ page, task, recent, executions, olderExecutions, notice, error }) => {
  const d = task.definition;
  const p = task.progress;
  const allowed = available(task);
  const upcoming = upcomingRuns(task);
  return (
    <Layout title={d.name ?? "Task"} page={page} notice={notice} error={error}>
      <p>
        <span class={`state ${p.state}`}>{p.state}</span> {messageOf(task)}
      </p>
      <div class="actions">
        {ACTIONS.filter((a) => allowed.has(a.action)).map((a) => (
          <form method="post" action={`/dashboard/tasks/${d.id}/${a.action}`}>
            <CsrfField token={page.csrf} />
            <button type="submit" class={a.confirm ? "danger" : undefined}>
              {a.label}
            </button>
          </form>
        ))}
      </div>

      <h2>Next runs</h2>
      {upcoming.length === 0 ? (
        <p>{p.state === "paused" ? "None while paused." : "None planned."}</p>
      ) : (
        <ol class="runs">
          {upcoming.map((ms) => (
            <li>
              <Instant ms={ms} />
            </li>
          ))}
        </ol>
      )}

      <h2>Definition</h2>
      <dl class="definition">
        <dt>ID</dt>
        <dd>
          <code>{d.id}</code>
        </dd>
        <dt>Request</dt>
        <dd>
          <code>{`${d.method} ${d.url}`}</code>
        </dd>
        <dt>Schedule</dt>
        <dd>{scheduleInWords(d.schedule)}</dd>
        <dt>Labels</dt>
        <dd>
          {d.labels && Object.keys(d.labels).length > 0 ? <Labels labels={d.labels} /> : "none"}
        </dd>
        <dt>Failure policy</dt>
        <dd>
          {d.pause_after_failures
            ? `Pause after ${d.pause_after_failures} failed executions in a row (now ${p.consecutive_failures ?? 0})`
            : "Never paused for failures"}
        </dd>
        <dt>Headers</dt>
        <dd>
          <Pairs value={d.headers} />
        </dd>
        <dt>Query</dt>
        <dd>
          <Pairs value={d.query} />
        </dd>
        <dt>Body</dt>
        <dd>{d.body === undefined ? "none" : <Json value={d.body} />}</dd>
        <dt>Retries</dt>
        <dd>
          {`${d.retry.attempts === 1 ? "1 attempt, no retries" : `${d.retry.attempts} attempts in all`}, backoff ${durationInWords(d.retry.backoff)} up to ${durationInWords(d.retry.max_backoff)}`}
        </dd>
        <dt>Timeout</dt>
        <dd>{durationInWords(d.timeout)}</dd>
        <dt>Callback URL</dt>
        <dd>{d.callback_url ?? "none"}</dd>
        <dt>Events URL</dt>
        <dd>{d.events_url ?? "none"}</dd>
        <dt>Created</dt>
        <dd>
          <Instant ms={d.created_at} />
        </dd>
        <dt>Executions</dt>
        <dd>{`${p.executions.total} in all, ${p.executions.succeeded} succeeded, ${p.executions.failed} failed`}</dd>
      </dl>

      <h2>Last 100 attempts</h2>
      <LatenessChart attempts={recent} />

      <h2>Executions</h2>
      {executions.length === 0 ? (
        <p>No executions yet.</p>
      ) : (
        <ExecutionsTable attempts={executions} />
      )}
      <nav class="pages" aria-label="Execution pages">
        {olderExecutions && <a href={olderExecutions}>Older executions</a>}
      </nav>
    </Layout>
  );
};
