/** A task's retry settings, all durations in milliseconds. */
export interface RetryPolicy {
  /** Total attempts per occurrence, the first included (1 = never retry). */
  attempts: number;
  /** Delay before the first retry; each later retry doubles it. */
  backoff: number;
  /** No retry ever waits longer than this, jitter and Retry-After included. */
  max_backoff: number;
}

/** Largest share of the backoff added as jitter (10%). */
export const JITTER_RATIO = 0.1;

/**
 * Delay in ms before retrying after attempt `failedAttempt` (1-based) failed:
 * backoff·2^(n−1), capped at max_backoff, plus up to +10% jitter that only ever delays.
 */
export function retryDelay(
  policy: RetryPolicy,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(failedAttempt));
  // 2 ** large n is Infinity, which Math.min turns back into the cap.
  const base = Math.min(policy.backoff * 2 ** (n - 1), policy.max_backoff);
  // Jitter spreads retries of tasks that failed together, but it never makes a retry
  // earlier than its backoff, and max_backoff stays a hard promise to the user, so at
  // the cap the jitter is cut to nothing.
  const share = Math.min(Math.max(random(), 0), 1);
  const jitter = Math.floor(base * JITTER_RATIO * share);
  return Math.min(base + jitter, policy.max_backoff);
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
// RFC 9110 §5.6.7: senders use IMF-fixdate, recipients must also accept the two obsolete
// forms. Date.parse is not used because it accepts almost anything ("-5", "1 2").
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, "i");
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, "i");
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, "i");

function utcTime(
  year: number,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
): number | null {
  const m = MONTHS.indexOf(month.toLowerCase());
  const d = Number(day.trim());
  const [h, min, s] = [Number(hour), Number(minute), Number(second)];
  if (m < 0 || h > 23 || min > 59 || s > 60) return null;
  const time = Date.UTC(year, m, d, h, min, s);
  const date = new Date(time);
  // Date.UTC rolls 31 Feb over into March; a date that does not round-trip is invalid.
  if (date.getUTCMonth() !== m || date.getUTCDate() !== d) return null;
  return time;
}

function parseHttpDate(text: string, now: number): number | null {
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    const [, day = "", month = "", year = "", h = "", m = "", s = ""] = match;
    return utcTime(Number(year), month, day, h, m, s);
  }
  match = RFC850_DATE.exec(text);
  if (match) {
    const [, day = "", month = "", yy = "", h = "", m = "", s = ""] = match;
    // RFC 9110: a two-digit year more than 50 years ahead means the previous century.
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(yy);
    if (year > thisYear + 50) year -= 100;
    return utcTime(year, month, day, h, m, s);
  }
  match = ASCTIME_DATE.exec(text);
  if (match) {
    const [, month = "", day = "", h = "", m = "", s = "", year = ""] = match;
    return utcTime(Number(year), month, day, h, m, s);
  }
  return null;
}

/** Parse a Retry-After header (delta-seconds or HTTP-date) into ms from `now`; null if invalid. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  }
  const at = parseHttpDate(text, now);
  // A date already past means "retry now", not an error.
  return at === null ? null : Math.max(0, at - now);
}

/** What to do after an attempt finished. */
export type AttemptOutcome =
  | { kind: "success" }
  /** 410 Gone: the receiver asks never to be called again; the task fails. */
  | { kind: "gone" }
  /** Try again after `delay` ms. */
  | { kind: "retry"; delay: number }
  /** The occurrence failed and has no attempts left. */
  | { kind: "give_up" };

/**
 * Classify finished attempt `attempt` (1-based); `statusCode` null means a network error or
 * timeout. A Retry-After on 429/503 replaces the computed backoff, capped at max_backoff.
 */
export function classifyAttempt(
  policy: RetryPolicy,
  attempt: number,
  statusCode: number | null,
  retryAfter: string | null,
  now: number,
  random: () => number = Math.random,
): AttemptOutcome {
  if (statusCode !== null && statusCode >= 200 && statusCode <= 299) return { kind: "success" };
  // 410 wins even when attempts remain: retrying a receiver that said "gone" is abuse.
  if (statusCode === 410) return { kind: "gone" };
  if (attempt >= policy.attempts) return { kind: "give_up" };
  if (statusCode === 429 || statusCode === 503) {
    // The receiver knows its own load better than our backoff does, so its answer is used
    // as-is (even when shorter), with no jitter; only the user's cap overrides it.
    const asked = parseRetryAfter(retryAfter, now);
    if (asked !== null) return { kind: "retry", delay: Math.min(asked, policy.max_backoff) };
  }
  return { kind: "retry", delay: retryDelay(policy, attempt, random) };
}
