import type { FC } from "hono/jsx";
import type { ProjectAttemptRecord } from "../../core/history";
import { Layout, Notice, type PageContext } from "./layout";
import { ExecutionsTable } from "./task";

/** The Failures page: every failed attempt of the project's tasks, newest first. */
export const FailuresPage: FC<{
  page: PageContext;
  failures: ProjectAttemptRecord[];
  /** The label filter, key:value. */
  label: string | undefined;
  nextPage: string | null;
  firstPage: string | null;
  notice?: string;
  error?: string;
}> = ({ page, failures, label, nextPage, firstPage, notice, error }) => (
  <Layout title="Failures" page={page}>
    {notice && <Notice kind="ok">{notice}</Notice>}
    {error && <Notice kind="error">{error}</Notice>}
    <form method="get" action="/dashboard/failures" class="filters" aria-label="Filter failures">
      <div>
        <label for="failures-label">Label (key:value)</label>
        <input id="failures-label" name="label" value={label ?? ""} placeholder="team:billing" />
      </div>
      <button type="submit">Filter</button>
    </form>
    {failures.length === 0 ? (
      <p>No failed attempts.</p>
    ) : (
      <ExecutionsTable attempts={failures} showTask replayCsrf={page.csrf} />
    )}
    <nav class="pages" aria-label="Pages">
      {firstPage && <a href={firstPage}>Newest failures</a>}
      {nextPage && <a href={nextPage}>Older failures</a>}
    </nav>
  </Layout>
);
