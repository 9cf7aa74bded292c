// The Loopitis translator as plain functions: a request in, the native create out (its
// envelope built once), and an update turned into a native patch. Wiring: test/api.
import { describe, expect, it } from "vitest";
import { BelfryError } from "../../src/core/errors";
import { renameFields } from "../../src/dialects/field-names";
import { loopitisPatch, loopitisToNative, requestLinks } from "../../src/dialects/loopitis";
import { loopitisRequestSchema, loopitisUpdateSchema } from "../../src/dialects/loopitis-shapes";
import { taskDefinition, taskSnapshot } from "../support/tasks";

const NOW = Date.UTC(2026, 5, 1, 12);
const ID = "0b5c7c52-5f55-4a4e-9d2a-3c1f6f2f8e11";
const LINKS = requestLinks("https://belfry.example", ID, "tok");

describe("loopitisToNative", () => {
  it("calls return_url every interval with the document's envelope, per-call values as dynamic fields", () => {
    const request = loopitisRequestSchema.parse({
      interval: 500,
      occurrences: 3,
      name: "example_task",
      return_url: "https://example.com/hook",
      payload: '{"key": "value"}',
      callback_type: "put",
    });
    expect(loopitisToNative(request, ID, LINKS)).toEqual({
      url: "https://example.com/hook",
      method: "PUT",
      name: "example_task",
      schedule: { every: 500, occurrences: 3 },
      body: {
        requestedTimes: 3,
        parentRequestId: ID,
        parentRequestName: "example_task",
        executionNumber: "$job.execution",
        executionNumer: "$job.execution",
        executionId: "$job.execution_uuid",
        payload: '{"key": "value"}',
        cancelLink: `https://belfry.example/requests/cancel_task?requestId=${ID}&token=tok`,
        showRequest: `https://belfry.example/requests/get_list?requestId=${ID}&token=tok`,
      },
    });
  });
});

describe("loopitisPatch", () => {
  const created = () => {
    const request = loopitisRequestSchema.parse({
      interval: 500,
      occurrences: 10,
      return_url: "https://example.com/hook",
    });
    const input = loopitisToNative(request, ID, LINKS);
    return taskDefinition(NOW, {
      body: input.body,
      schedule: { kind: "every", every: 500, createdAt: NOW, occurrences: 10, misfire: "run_once" },
    });
  };
  const update = (fields: Record<string, unknown>) => loopitisUpdateSchema.parse(fields);

  it("gives a new schedule the calls still to make, and keeps the envelope in step", () => {
    const snapshot = taskSnapshot(created(), { occurrences_used: 4 });
    const patch = loopitisPatch(update({ interval: 1_000, name: "renamed" }), snapshot);
    expect(patch).toMatchObject({
      name: "renamed",
      schedule: { every: 1_000, occurrences: 6 },
      body: { parentRequestName: "renamed", requestedTimes: 10, cancelLink: LINKS.cancelLink },
    });
  });

  it("answers null for a status-only update, and refuses occurrences already used up", () => {
    const snapshot = taskSnapshot(created(), { occurrences_used: 4 });
    expect(loopitisPatch(update({ status: "paused" }), snapshot)).toBeNull();
    expect(() => loopitisPatch(update({ occurrences: 4 }), snapshot)).toThrow(
      "occurrences: must be more than the 4 calls made",
    );
  });
});

describe("renameFields", () => {
  it("names the dialect's field in the details and the message; the longest key wins", () => {
    const error = new BelfryError("invalid_request", "schedule.every: must be at least 10 ms", [
      { path: "schedule.every", message: "must be at least 10 ms" },
      { path: "headers.X-Key", message: "too long" },
    ]);
    const renamed = renameFields(error, {
      schedule: "when",
      "schedule.every": "interval",
      headers: "head",
    });
    expect(renamed.message).toBe("interval: must be at least 10 ms");
    expect(renamed.details.map((d) => d.path)).toEqual(["interval", "head.X-Key"]);
    expect(renamed.status).toBe(400);
  });
});
