import { describe, expect, it } from "vitest";
import { callsPerMinute } from "../../src/core/call-rate";

const createdAt = Date.UTC(2026, 11, 2, 9, 0, 0);
const cron = (pattern: string) =>
  callsPerMinute({
    kind: "cron",
    cron: pattern,
    timezone: "UTC",
    dayMatch: "or",
    createdAt,
    misfire: "run_once",
  });

describe("callsPerMinute", () => {
  it("counts an interval as 60 000 / every, and a one-time task as none", () => {
    expect(callsPerMinute({ kind: "every", every: 1_000, createdAt, misfire: "skip" })).toBe(60);
    expect(callsPerMinute({ kind: "every", every: 10, createdAt, misfire: "skip" })).toBe(6_000);
    expect(callsPerMinute({ kind: "every", every: 3_600_000, createdAt, misfire: "skip" })).toBe(
      1 / 60,
    );
    expect(callsPerMinute({ kind: "once", at: createdAt })).toBe(0);
  });

  it("counts a cron pattern by the seconds it matches in its busiest minute", () => {
    expect(cron("* * * * *")).toBe(1);
    expect(cron("0 9 * * 1-5")).toBe(1);
    expect(cron("@daily")).toBe(1);
    expect(cron("* * * * * *")).toBe(60);
    expect(cron("*/5 * * * * *")).toBe(12);
    expect(cron("0,30 * 10 * * *")).toBe(2);
    // Only within one hour of the day, yet that hour is as busy as any.
    expect(cron("* * 23 * * *")).toBe(60);
  });
});
