import type { FC } from "hono/jsx";

/** Links to a list's first page (when not on it) and its next page (when there is one). */
export interface PageLinks {
  firstPage: string | null;
  nextPage: string | null;
}

/** The list's page links, in the words of what is listed ("Newest failures"). */
export const Pager: FC<PageLinks & { first: string; next: string }> = ({
  firstPage,
  nextPage,
  first,
  next,
}) => (
  <nav class="pages" aria-label="Pages">
    {firstPage && <a href={firstPage}>{first}</a>}
    {nextPage && <a href={nextPage}>{next}</a>}
  </nav>
);

/** The `label` filter of a list page: one key:value pair. */
export const LabelFilter: FC<{ id: string; value: string | undefined }> = ({ id, value }) => (
  <div>
    <label for={id}>Label (key:value)</label>
    <input id={id} name="label" value={value ?? ""} placeholder="team:billing" />
  </div>
);
