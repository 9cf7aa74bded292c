/** The `--limit N` and `--all` flags of the commands that list. */
export interface LimitFlags {
  /** Most items to show (default 50). */
  limit?: number;
  /** Show every item, however many. */
  all?: boolean;
}

/** The API's largest page. */
const MAX_PAGE = 100;

/** How many items to show at most, and the page size that reads them in the fewest calls. */
export function listingBounds(flags: LimitFlags): { max: number; pageSize: number } {
  const max = flags.all ? Number.POSITIVE_INFINITY : (flags.limit ?? 50);
  return { max, pageSize: Math.min(MAX_PAGE, Math.max(1, Number.isFinite(max) ? max : MAX_PAGE)) };
}
