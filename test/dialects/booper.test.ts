// The Booper translator as plain functions: a job body in, the native create out, and the
// job's arguments read back from the task. The routes' wiring is tested in test/api.
import { describe, expect, it } from "vitest";
import { booperArgs, booperJobSchema, booperToNative } from "../../src/dialects/booper";
import { refusal } from "../support/refusal";
import { taskDefinition } from "../support/tasks";

const NOW = Date.UTC(2026, 5, 1, 12);
const job = (fields: Record<string, unknown>) =>
  booperToNative(booperJobSchema.parse({ url: "https://example.com/hook", ...fields }), NOW);

describe("booperToNative", () => {
  it("runs a job without a time now, with POST, and Booper's field names mapped", () => {
    expect(job({ webhook_url: "https://example.com/events", name: "nightly" })).toEqual({
      url: "https://example.com/hook",
      method: "post",
      schedule: { delay: 0 },
      name: "nightly",
      events_url: "https://example.com/events",
    });
  });

  it("reads schedule_in in seconds or as [n, unit], and scheduled_at naive as UTC", () => {
    expect(job({ schedule_in: 30 }).schedule).toEqual({ delay: 30_000 });
    expect(job({ schedule_in: [5, "minutes"] }).schedule).toEqual({ delay: 300_000 });
    expect(job({ scheduled_at: "2026-06-02T10:00:00" }).schedule).toEqual({
      at: "2026-06-02T10:00:00Z",
    });
    expect(job({ scheduled_at: "1780394400" }).schedule).toEqual({ at: 1_780_394_400 });
  });

  it("makes a recurring job with a start time begin then", () => {
    expect(job({ repeat_every: [1, "hours"], schedule_in: 60 }).schedule).toEqual({
      every: 3_600_000,
      begins: new Date(NOW + 60_000).toISOString(),
    });
    expect(job({ cron: "0 9 * * *", scheduled_at: "2026-06-02T00:00:00Z" }).schedule).toEqual({
      cron: "0 9 * * *",
      begins: "2026-06-02T00:00:00Z",
    });
  });

  it("refuses an unknown unit and more than ten years, naming Booper's field", () => {
    expect(refusal(() => job({ schedule_in: [5, "fortnights"] }))).toBe(
      '400 schedule_in: unknown unit "fortnights"',
    );
    expect(refusal(() => job({ repeat_every: [4_000, "days"] }))).toBe(
      "400 repeat_every: must be at most 10 years",
    );
  });
});

describe("booperArgs", () => {
  it("reads a job's arguments back: durations in seconds, method in lower case, keys sorted", () => {
    const definition = taskDefinition(NOW, {
      method: "PUT",
      schedule: {
        kind: "every",
        every: 90_000,
        createdAt: NOW,
        begins: NOW + 5_000,
        misfire: "run_once",
      },
      events_url: "https://example.com/events",
    });
    const args = booperArgs(definition);
    expect(args).toEqual({
      headers: {},
      method: "put",
      repeat_every: 90,
      scheduled_at: new Date(NOW + 5_000).toISOString(),
      url: "https://example.com/hook",
      webhook_url: "https://example.com/events",
    });
    expect(Object.keys(args)).toEqual(Object.keys(args).sort());
  });
});
