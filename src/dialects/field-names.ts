import { BelfryError } from "../core/errors";

/**
 * A dialect's names for the core's fields, e.g. `{ body: "payload", "schedule.every": "interval" }`.
 * A key names a core field path; it also covers the paths under it (`headers` covers
 * `headers.X-Key`) unless a longer key matches first.
 */
export type FieldNames = Record<string, string>;

function renamePath(path: string, names: FieldNames): string {
  let best: string | undefined;
  for (const key of Object.keys(names)) {
    const covers = path === key || path.startsWith(`${key}.`);
    if (covers && (best === undefined || key.length > best.length)) best = key;
  }
  if (best === undefined) return path;
  return `${names[best] ?? best}${path.slice(best.length)}`;
}

/** The same error, its field paths (details and message) in the dialect's names. */
export function renameFields(error: BelfryError, names: FieldNames): BelfryError {
  if (error.details.length === 0) return error;
  const details = error.details.map((d) => ({ ...d, path: renamePath(d.path, names) }));
  const first = error.details[0];
  const renamed = details[0];
  let message = error.message;
  if (first && renamed && message.startsWith(`${first.path}: `)) {
    message = `${renamed.path}${message.slice(first.path.length)}`;
  }
  return new BelfryError(error.code, message, details);
}

/**
 * Run a core command for a dialect: a caller's mistake that names a core field names the field
 * the dialect's user actually sent, so `schedule.every` reads `interval` to a Loopitis user.
 */
export async function inDialectTerms<T>(names: FieldNames, command: () => T | Promise<T>) {
  try {
    return await command();
  } catch (error) {
    if (error instanceof BelfryError) throw renameFields(error, names);
    throw error;
  }
}
