import type { FC } from "hono/jsx";
import { ALERT_EVENTS, type AlertDestination, type AlertEvent } from "../../core/alerts";
import { CsrfField, Layout, type PageContext } from "./layout";

/** What each alert means, in words. */
const EVENT_WORDS: Record<AlertEvent, string> = {
  "occurrence.failed": "An occurrence failed (its last attempt failed)",
  "task.paused": "A task was paused by its failure policy",
  "task.recovered": "A task succeeded again after failing",
  "task.failed": "A task ended failed",
};

/** The Alerts page: the project's one destination, and a form to set or remove it. */
export const AlertsPage: FC<{
  page: PageContext;
  destination: AlertDestination | null;
  /** What was typed, when a change was refused. */
  typed?: { url: string; events: string[] };
  notice?: string;
  error?: string;
}> = ({ page, destination, typed, notice, error }) => {
  const url = typed?.url ?? destination?.url ?? "";
  const events: readonly string[] = typed?.events ?? destination?.events ?? ALERT_EVENTS;
  return (
    <Layout title="Alerts" page={page} notice={notice} error={error}>
      {destination ? (
        <p>
          Alerts go to <code>{destination.url}</code>: {destination.events.join(", ")}. Each is a
          signed POST, retried until the destination answers 2xx.
        </p>
      ) : (
        <p>The project has no alert destination: nothing is sent when tasks fail.</p>
      )}
      <form method="post" action="/dashboard/alerts" class="task-form">
        <CsrfField token={page.csrf} />
        <div class="field">
          <label for="alert-url">Destination URL</label>
          <input id="alert-url" name="url" type="url" value={url} required />
        </div>
        <fieldset>
          <legend>Send these alerts</legend>
          {ALERT_EVENTS.map((event) => (
            <div class="check">
              <input
                type="checkbox"
                id={`alert-${event}`}
                name="events"
                value={event}
                checked={events.includes(event)}
              />
              <label for={`alert-${event}`}>{`${EVENT_WORDS[event]} (${event})`}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit">Save</button>
      </form>
      {destination && (
        <form method="post" action="/dashboard/alerts/remove" class="actions">
          <CsrfField token={page.csrf} />
          <button type="submit" class="danger">
            Remove the destination
          </button>
        </form>
      )}
    </Layout>
  );
};
