/** What a command produced: `data` for `--json`, `text` for people. */
export interface CommandOutput<T = unknown> {
  data: T;
  text: string;
}

/** A mistake on the command line: reported as one line, never with a stack. */
export class CliError extends Error {
  override name = "CliError";
}

/** `request`, unless its flags named nothing: then `refusal`, as a CliError. */
export function refuseEmpty<T extends object>(request: T, refusal: string): T {
  if (Object.keys(request).length === 0) throw new CliError(refusal);
  return request;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The table of a listing, or `empty` when it has no rows: a header alone reads as a fault. */
export function tableOr(empty: string, headers: string[], rows: string[][]): string {
  return rows.length === 0 ? empty : table(headers, rows);
}

/** `label  value` lines with the values aligned. */
export function fields(pairs: [label: string, value: string][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}

/** An attempt's result in a few words: `200 ok`, `503 failed`, or the error of no answer. */
export function attemptResult(a: {
  successful: boolean;
  status_code: number | null;
  error: string | null;
}): string {
  if (a.successful) return `${a.status_code} ok`;
  if (a.status_code !== null) return `${a.status_code} failed`;
  return `failed: ${a.error ?? "no answer"}`;
}

/** An ISO instant without the noise of zero milliseconds, or a dash. */
export function instant(iso: string | null | undefined): string {
  return iso ? iso.replace(".000Z", "Z") : "—";
}

const UNITS: [ms: number, suffix: string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "m"],
  [1_000, "s"],
];

/** Milliseconds in the largest unit that divides them: 90000 → "90s", 7200000 → "2h". */
export function duration(ms: number): string {
  for (const [size, suffix] of UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size}${suffix}`;
  }
  return `${ms}ms`;
}
