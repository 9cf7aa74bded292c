import { z } from "zod";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** Longest duration accepted anywhere (10 years); keeps arithmetic far from float limits. */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

const DURATION_TEXT = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;

/** Milliseconds for `amount` of `unit`, or null when the unit is unknown. */
export function unitToMs(amount: number, unit: string): number | null {
  const factor = UNIT_MS[unit.toLowerCase()];
  return factor === undefined ? null : Math.round(amount * factor);
}

/** Parse "500ms", "30s", "5m", "2h", "1d" into milliseconds, or null when malformed. */
export function parseDurationText(text: string): number | null {
  const match = DURATION_TEXT.exec(text.trim().toLowerCase());
  if (!match?.[1] || !match[2]) return null;
  return unitToMs(Number(match[1]), match[2]);
}

function checkRange(ms: number, ctx: z.RefinementCtx): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: "custom", message: "must be between 0 and 10 years" });
    return z.NEVER;
  }
  return ms;
}

/**
 * A duration: a number of milliseconds, a string such as "30s", or a tuple such as [5, "minutes"].
 * Parses to integer milliseconds.
 */
export const durationSchema = z
  .union([z.number(), z.string(), z.tuple([z.number(), z.string()])])
  .transform((value, ctx) => {
    if (typeof value === "number") return checkRange(Math.round(value), ctx);
    const ms = typeof value === "string" ? parseDurationText(value) : unitToMs(value[0], value[1]);
    if (ms === null) {
      ctx.addIssue({
        code: "custom",
        message: 'must be milliseconds, a string like "30s", or a tuple like [5, "minutes"]',
      });
      return z.NEVER;
    }
    return checkRange(ms, ctx);
  });
