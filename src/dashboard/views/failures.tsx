import type { FC } from "hono/jsx";
import type { AttemptRecord } from "../../core/history";
import { Layout, type PageContext } from "./layout";
import { ExecutionsTable } from "./task";

/** The Failures page: every failed attempt of the project's tasks, newest first. */
export const FailuresPage: FC<{
  page: PageContext;
  failures: AttemptRecord[];
  taskNames: Map<string, string>;
  nextPage: string | null;
  firstPage: string | null;
}> = ({ page, failures, taskNames, nextPage, firstPage }) => (
  <Layout title="Failures" page={page}>
    {failures.length === 0 ? (
      <p>No failed attempts. All calls answered with success.</p>
    ) : (
      <ExecutionsTable attempts={failures} taskNames={taskNames} />
    )}
    <nav class="pages" aria-label="Pages">
      {firstPage && <a href={firstPage}>Newest failures</a>}
      {nextPage && <a href={nextPage}>Older failures</a>}
    </nav>
  </Layout>
);
