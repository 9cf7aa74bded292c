import { beforeAll, describe, expect, it } from "vitest";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, type TestProject } from "../support/helpers";

let project: TestProject;
let url: string;
beforeAll(async () => {
  project = await createProject("validation");
  url = bucket().url;
});

const HOUR = 3_600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

function post(body: unknown) {
  return api<ErrorEnvelope>("POST", "/api/v1/tasks", { key: project.key, body });
}

/** The request is a 400 whose message starts with `path` and whose details name it. */
async function expectRefused(body: Record<string, unknown>, path: string) {
  const res = await post(body);
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.json).toEqual({
    status: "error",
    error: {
      code: "invalid_request",
      message: expect.any(String),
      details: expect.arrayContaining([{ path, message: expect.any(String) }]),
    },
  });
  expect(res.json.error.message.startsWith(`${path}: `), res.json.error.message).toBe(true);
}

describe("a create body that cannot work is a 400 naming the field", () => {
  // Each row replaces the schedule (and adds fields) of an otherwise valid task.
  const cases: [string, () => Record<string, unknown>, string][] = [
    ["bad cron", () => ({ schedule: { cron: "61 * * * *" } }), "schedule.cron"],
    ["cron that is not one", () => ({ schedule: { cron: "every day" } }), "schedule.cron"],
    [
      "unknown zone",
      () => ({ schedule: { cron: "0 9 * * *", timezone: "Mars/Olympus_Mons" } }),
      "schedule.timezone",
    ],
    ["past at (RFC 3339)", () => ({ schedule: { at: iso(-HOUR) } }), "schedule.at"],
    [
      "past at (unix seconds)",
      () => ({ schedule: { at: Math.floor((Date.now() - HOUR) / 1000) } }),
      "schedule.at",
    ],
    ["at that is no timestamp", () => ({ schedule: { at: "tomorrow" } }), "schedule.at"],
    [
      "expires before begins",
      () => ({ schedule: { every: 100, begins: iso(2 * HOUR), expires: iso(HOUR) } }),
      "schedule.expires",
    ],
    ["interval under the minimum (ms)", () => ({ schedule: { every: 5 } }), "schedule.every"],
    ["interval under the minimum (text)", () => ({ schedule: { every: "5ms" } }), "schedule.every"],
    ["unreadable duration", () => ({ schedule: { every: "5 fortnights" } }), "schedule.every"],
    ["unknown top-level field", () => ({ schedule: { every: 100 }, colour: "red" }), "colour"],
    [
      "unknown field inside schedule",
      () => ({ schedule: { every: 100, evrey: 200 } }),
      "schedule.evrey",
    ],
    ["ftp URL", () => ({ url: "ftp://example.com/hook", schedule: { every: 100 } }), "url"],
    ["javascript URL", () => ({ url: "javascript:alert(1)", schedule: { every: 100 } }), "url"],
    ["relative URL", () => ({ url: "/hook", schedule: { every: 100 } }), "url"],
    [
      "non-http callback_url",
      () => ({ callback_url: "mailto:ops@example.com", schedule: { every: 100 } }),
      "callback_url",
    ],
    [
      "two schedule forms at once",
      () => ({ schedule: { every: 100, cron: "* * * * *" } }),
      "schedule",
    ],
    ["no schedule form", () => ({ schedule: { occurrences: 3 } }), "schedule"],
    ["no schedule", () => ({ schedule: undefined }), "schedule"],
    ["body with GET", () => ({ method: "GET", body: { a: 1 }, schedule: { every: 100 } }), "body"],
    ["body with HEAD", () => ({ method: "head", body: "x", schedule: { every: 100 } }), "body"],
    [
      "timezone without cron",
      () => ({ schedule: { every: 100, timezone: "Europe/Berlin" } }),
      "schedule.timezone",
    ],
    [
      "occurrences on a one-time schedule",
      () => ({ schedule: { at: iso(HOUR), occurrences: 2 } }),
      "schedule.occurrences",
    ],
    ["unknown method", () => ({ method: "FETCH", schedule: { every: 100 } }), "method"],
    [
      "too many attempts",
      () => ({ retry: { attempts: 11 }, schedule: { every: 100 } }),
      "retry.attempts",
    ],
  ];

  it.each(cases)("%s", async (_label, change, path) => {
    await expectRefused({ url, ...change() }, path);
  });

  it("a missing url is refused", async () => {
    await expectRefused({ schedule: { every: 100 } }, "url");
  });
});

describe("requests that are not a JSON body", () => {
  it("malformed JSON is a 400", async () => {
    const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
      key: project.key,
      raw: '{"url": "http://example.com", "schedule": {',
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      status: "error",
      error: { code: "invalid_request", details: [{ path: "body" }] },
    });
  });

  it("a JSON value that is not an object is a 400", async () => {
    const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", { key: project.key, raw: "[]" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/^body: /),
      details: [{ path: "body" }],
    });
  });

  it("a body that is not application/json is a 415", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
        key: project.key,
        raw: JSON.stringify({ url, schedule: { every: 100 } }),
        contentType,
      });
      expect(res.status, contentType).toBe(415);
      expect(res.json).toMatchObject({
        status: "error",
        error: { code: "unsupported_media_type", message: expect.any(String) },
      });
    }
  });

  it("an unknown route is a 404 envelope", async () => {
    for (const [method, path, key] of [
      ["GET", "/api/v1/nope", null],
      ["GET", "/nope", null],
      ["POST", `/api/v1/tasks/${crypto.randomUUID()}/explode`, "key"],
    ] as const) {
      const res = await api<ErrorEnvelope>(method, path, { key: key && project.key });
      expect(res.status, path).toBe(404);
      expect(res.json).toMatchObject({
        status: "error",
        error: { code: "not_found", message: expect.any(String) },
      });
    }
  });
});

describe("refused requests leave nothing behind", () => {
  it("the project still has no tasks", async () => {
    const res = await api<{ payload: { results: unknown[]; next_cursor: string | null } }>(
      "GET",
      "/api/v1/tasks",
      { key: project.key },
    );
    expect(res.status).toBe(200);
    expect(res.json.payload).toEqual({ results: [], next_cursor: null });
  });

  it("a valid body is accepted, so the refusals above were for their one mistake", async () => {
    const res = await post({ url, schedule: { at: iso(HOUR) } });
    expect(res.status).toBe(201);
  });
});
