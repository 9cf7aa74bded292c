import { describe, expect, it } from "vitest";
import {
  classifyAttempt,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
} from "../../src/core/retry";

const policy: RetryPolicy = { attempts: 5, backoff: 1_000, max_backoff: 10_000 };
const noJitter = () => 0;
const fullJitter = () => 0.999_999;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe("retryDelay", () => {
  it("doubles the backoff after each failed attempt", () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(policy, n, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it("never exceeds max_backoff", () => {
    expect(retryDelay(policy, 5, noJitter)).toBe(10_000);
    expect(retryDelay(policy, 60, fullJitter)).toBe(10_000);
    expect(retryDelay(policy, 2_000, fullJitter)).toBe(10_000);
  });

  it("adds jitter that only delays, by at most 10%", () => {
    expect(retryDelay(policy, 1, fullJitter)).toBe(1_099);
    expect(retryDelay(policy, 3, () => 0.5)).toBe(4_200);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelay(policy, 2);
      expect(delay).toBeGreaterThanOrEqual(2_000);
      expect(delay).toBeLessThanOrEqual(2_200);
    }
  });

  it("cuts the jitter where it would cross max_backoff", () => {
    expect(retryDelay({ ...policy, max_backoff: 8_500 }, 4, fullJitter)).toBe(8_500);
  });

  it("ignores a misbehaving random source", () => {
    expect(retryDelay(policy, 1, () => -5)).toBe(1_000);
    expect(retryDelay(policy, 1, () => 7)).toBe(1_100);
  });

  it("caps at max_backoff even when it is below backoff", () => {
    expect(retryDelay({ attempts: 3, backoff: 5_000, max_backoff: 2_000 }, 1, fullJitter)).toBe(
      2_000,
    );
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", NOW)).toBe(0);
  });

  it("reads an IMF-fixdate relative to now", () => {
    expect(parseRetryAfter("Thu, 15 Jan 2026 12:00:30 GMT", NOW)).toBe(30_000);
  });

  it("reads the obsolete RFC 850 and asctime forms", () => {
    expect(parseRetryAfter("Thursday, 15-Jan-26 12:01:00 GMT", NOW)).toBe(60_000);
    expect(parseRetryAfter("Thu Jan 15 12:00:05 2026", NOW)).toBe(5_000);
    expect(parseRetryAfter("Fri Feb  6 12:00:00 2026", NOW)).toBe(22 * 86_400_000);
  });

  it("treats a date in the past as no wait", () => {
    expect(parseRetryAfter("Wed, 14 Jan 2026 12:00:00 GMT", NOW)).toBe(0);
  });

  it("rejects absent or malformed values", () => {
    for (const value of [
      null,
      "",
      "-5",
      "1.5",
      "soon",
      "1 2",
      "2026-01-15T12:00:30Z",
      "Thu, 31 Feb 2026 12:00:00 GMT",
      "Thu, 15 Jan 2026 25:00:00 GMT",
      "Thu, 15 Jan 2026 12:00:30 PST",
    ]) {
      expect(parseRetryAfter(value, NOW), String(value)).toBeNull();
    }
  });
});

describe("classifyAttempt", () => {
  const classify = (
    attempt: number,
    status: number | null,
    retryAfter: string | null = null,
    p: RetryPolicy = policy,
  ) => classifyAttempt(p, attempt, status, retryAfter, NOW, noJitter);

  it("counts any 2xx as success", () => {
    for (const status of [200, 201, 204, 299]) expect(classify(1, status).kind).toBe("success");
  });

  it("stops on 410 Gone, even with attempts left", () => {
    expect(classify(1, 410)).toEqual({ kind: "gone" });
    expect(classify(5, 410)).toEqual({ kind: "gone" });
  });

  it("retries other statuses, network errors and timeouts with backoff", () => {
    expect(classify(1, 500)).toEqual({ kind: "retry", delay: 1_000 });
    expect(classify(2, 404)).toEqual({ kind: "retry", delay: 2_000 });
    expect(classify(3, 302)).toEqual({ kind: "retry", delay: 4_000 });
    expect(classify(1, null)).toEqual({ kind: "retry", delay: 1_000 });
  });

  it("gives up after the last attempt", () => {
    expect(classify(5, 500)).toEqual({ kind: "give_up" });
    expect(classify(5, null)).toEqual({ kind: "give_up" });
    expect(classify(1, 503, "1", { ...policy, attempts: 1 })).toEqual({ kind: "give_up" });
  });

  it("honours Retry-After on 429 and 503, even when shorter than the backoff", () => {
    expect(classify(1, 429, "7")).toEqual({ kind: "retry", delay: 7_000 });
    expect(classify(4, 503, "2")).toEqual({ kind: "retry", delay: 2_000 });
    expect(classify(1, 503, "Thu, 15 Jan 2026 12:00:03 GMT")).toEqual({
      kind: "retry",
      delay: 3_000,
    });
  });

  it("caps Retry-After at max_backoff", () => {
    expect(classify(1, 429, "3600")).toEqual({ kind: "retry", delay: 10_000 });
  });

  it("falls back to backoff when Retry-After is missing, invalid or on another status", () => {
    expect(classify(2, 429)).toEqual({ kind: "retry", delay: 2_000 });
    expect(classify(2, 503, "later")).toEqual({ kind: "retry", delay: 2_000 });
    expect(classify(2, 500, "7")).toEqual({ kind: "retry", delay: 2_000 });
  });
});
