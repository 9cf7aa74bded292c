// Lateness as a histogram: how late first attempts started, counted into fixed buckets, so
// the history writer can add counts up in SQL and stats read percentiles without a scan of
// history. Percentiles are as fine as the buckets: the upper bound of the bucket that holds
// the quantile (docs/operations.md, "Stats").

/** Upper bounds (inclusive, in ms) of the buckets; a last bucket holds everything above. */
export const LATENESS_BOUNDS_MS = [
  0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 2_000, 5_000,
  10_000, 30_000, 60_000,
] as const;

/** Buckets in a histogram: one per bound and one above the last. */
export const LATENESS_BUCKETS = LATENESS_BOUNDS_MS.length + 1;

/** The bucket `ms` of lateness falls in. */
export function latenessBucket(ms: number): number {
  const late = Math.max(0, ms);
  const index = LATENESS_BOUNDS_MS.findIndex((bound) => late <= bound);
  return index === -1 ? LATENESS_BOUNDS_MS.length : index;
}

/**
 * The `q`-quantile (0 < q ≤ 1) of a histogram, as its bucket's upper bound; null when the
 * histogram is empty. Above the last bound it answers the last bound: "at least this late".
 */
export function latenessQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return LATENESS_BOUNDS_MS[Math.min(i, LATENESS_BOUNDS_MS.length - 1)] ?? null;
  }
  return LATENESS_BOUNDS_MS[LATENESS_BOUNDS_MS.length - 1] ?? null;
}
