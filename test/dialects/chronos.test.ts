// The Chronos translator as plain functions: a Chronos body in, the native create out, and a
// task shown back in the document's shape. The routes' wiring is tested in test/api.
import { describe, expect, it } from "vitest";
import {
  type ChronosTaskInput,
  chronosSchedule,
  chronosTaskSchema,
  chronosTaskView,
  chronosToNative,
} from "../../src/dialects/chronos";
import { refusal } from "../support/refusal";
import { taskDefinition, taskSnapshot } from "../support/tasks";

const NOW = Date.UTC(2026, 5, 1, 12);
const body = (fields: Record<string, unknown>): ChronosTaskInput =>
  chronosTaskSchema.parse({ url: "https://example.com/hook", ...fields });

describe("chronosToNative", () => {
  it("takes a 6-field cron with the year, at second 0, with AND day matching", () => {
    const { input, options } = chronosToNative(
      body({
        schedule: "30 9 * * 1 2027",
        timezone: "Europe/Paris",
        begins: "2027-01-01T00:00:00Z",
      }),
      NOW,
    );
    expect(input).toMatchObject({
      method: "GET",
      retry: { attempts: 1 },
      schedule: {
        cron: "0 30 9 * * 1 2027",
        timezone: "Europe/Paris",
        begins: "2027-01-01T00:00:00Z",
      },
    });
    expect(options).toEqual({ dayMatch: "and", allowExhausted: true });
  });

  it("takes a future timestamp as one call, and a past one as the cron of its minute", () => {
    const future = chronosToNative(body({ schedule: "2026-06-02T10:00:00Z" }), NOW);
    expect(future).toEqual({
      input: expect.objectContaining({ schedule: { at: "2026-06-02T10:00:00Z" } }),
      options: {},
    });
    // 2017-01-27T15:37:00-07:00 is "37 22 27 1 5 2017" in the document's own list.
    const past = chronosToNative(body({ schedule: "2017-01-27T15:37:00-07:00" }), NOW);
    expect(past.input.schedule).toEqual({ cron: "0 37 22 27 1 5 2017", timezone: "UTC" });
    expect(past.options.allowExhausted).toBe(true);
  });

  it("sends the payload only with POST or PUT, as the document does", () => {
    const payload = { hello: "world" };
    expect(
      chronosToNative(body({ schedule: "2026-06-02T10:00:00Z", payload }), NOW).input,
    ).not.toHaveProperty("body");
    const put = chronosToNative(
      body({ schedule: "2026-06-02T10:00:00Z", method: "put", payload }),
      NOW,
    );
    expect(put.input).toMatchObject({ method: "put", body: payload });
  });

  it("refuses a schedule that is neither, and bounds on a timestamp, naming the field", () => {
    expect(refusal(() => chronosToNative(body({ schedule: "30 9 * * 1" }), NOW))).toMatch(
      /^400 schedule: must be a cron of 6 fields/,
    );
    expect(
      refusal(() =>
        chronosToNative(
          body({ schedule: "2026-06-02T10:00:00Z", expires: "2027-01-01T00:00:00Z" }),
          NOW,
        ),
      ),
    ).toBe("400 expires: only valid with a cron schedule");
  });
});

describe("chronosSchedule and chronosTaskView", () => {
  it("write a schedule back as Chronos spelled it", () => {
    expect(
      chronosSchedule({
        kind: "cron",
        cron: "0 30 9 * * 1 2027",
        timezone: "UTC",
        dayMatch: "and",
        createdAt: NOW,
        misfire: "run_once",
      }),
    ).toBe("30 9 * * 1 2027");
    expect(chronosSchedule({ kind: "once", at: Date.UTC(2017, 5, 2, 4, 8, 49) })).toBe(
      "2017-06-02T04:08:49Z",
    );
    expect(
      chronosSchedule({ kind: "every", every: 1_500, createdAt: NOW, misfire: "run_once" }),
    ).toBe("@every 1500ms");
  });

  it("leave absent optional fields out, and call a finished task inactive", () => {
    const definition = taskDefinition(NOW, { schedule: { kind: "once", at: NOW + 60_000 } });
    const active = chronosTaskView(taskSnapshot(definition));
    expect(Object.keys(active).sort()).toEqual(
      ["created", "id", "inactive", "method", "project_id", "schedule", "url"].sort(),
    );
    expect(active).toMatchObject({ schedule: "2026-06-01T12:01:00Z", inactive: false });
    const done = chronosTaskView(taskSnapshot(definition, { state: "completed" }));
    expect(done.inactive).toBe(true);
  });
});
