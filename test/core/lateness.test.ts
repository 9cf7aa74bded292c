import { describe, expect, it } from "vitest";
import {
  LATENESS_BOUNDS_MS,
  LATENESS_BUCKETS,
  latenessBucket,
  latenessQuantile,
} from "../../src/core/lateness";

function histogram(lateness: number[]): number[] {
  const counts = new Array<number>(LATENESS_BUCKETS).fill(0);
  for (const ms of lateness) counts[latenessBucket(ms)] = (counts[latenessBucket(ms)] ?? 0) + 1;
  return counts;
}

describe("lateness histogram", () => {
  it("puts each lateness in the first bucket whose bound holds it", () => {
    expect(latenessBucket(-5)).toBe(0);
    expect(latenessBucket(0)).toBe(0);
    expect(latenessBucket(1)).toBe(1);
    expect(latenessBucket(4)).toBe(LATENESS_BOUNDS_MS.indexOf(5));
    expect(latenessBucket(100)).toBe(LATENESS_BOUNDS_MS.indexOf(100));
    expect(latenessBucket(101)).toBe(LATENESS_BOUNDS_MS.indexOf(150));
    expect(latenessBucket(3_600_000)).toBe(LATENESS_BUCKETS - 1);
  });

  it("answers quantiles as the upper bound of the bucket holding them", () => {
    const lateness = [...new Array<number>(98).fill(2), 40, 900];
    expect(latenessQuantile(histogram(lateness), 0.5)).toBe(2);
    expect(latenessQuantile(histogram(lateness), 0.99)).toBe(50);
    expect(latenessQuantile(histogram(lateness), 1)).toBe(1_000);
  });

  it("answers null for no attempts, and the last bound for attempts beyond it", () => {
    expect(latenessQuantile(histogram([]), 0.5)).toBeNull();
    expect(latenessQuantile(histogram([120_000]), 0.99)).toBe(60_000);
  });
});
