import type { FC } from "hono/jsx";
import type { ProjectAttemptRecord } from "../../core/history";
import { Layout, type PageContext } from "./layout";
import { LabelFilter, type PageLinks, Pager } from "./list-controls";
import { ExecutionsTable } from "./task";

/** The Failures page: every failed attempt of the project's tasks, newest first. */
export const FailuresPage: FC<
  PageLinks & {
    page: PageContext;
    failures: ProjectAttemptRecord[];
    /** The label filter, key:value. */
    label: string | undefined;
    /** The page shown (absent: the newest). */
    cursor: string | undefined;
    notice?: string;
    error?: string;
  }
> = ({ page, failures, label, cursor, nextPage, firstPage, notice, error }) => (
  <Layout title="Failures" page={page} notice={notice} error={error}>
    <form method="get" action="/dashboard/failures" class="filters" aria-label="Filter failures">
      <LabelFilter id="failures-label" value={label} />
      <button type="submit">Filter</button>
    </form>
    {failures.length === 0 ? (
      <p>No failed attempts.</p>
    ) : (
      <ExecutionsTable attempts={failures} showTask replay={{ csrf: page.csrf, label, cursor }} />
    )}
    <Pager
      firstPage={firstPage}
      nextPage={nextPage}
      first="Newest failures"
      next="Older failures"
    />
  </Layout>
);
