import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { base64url } from "../../src/core/keys";
import type { TaskView as Task } from "../../src/core/task-view";
import { meterReadings } from "../../src/metering";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, type TestProject } from "../support/helpers";
import { inHour } from "../support/task-list";

// The request limits and header rules of docs/security.md at their defaults (wrangler.toml [vars]);
// test/policy/limits.test.ts shows the same limits follow the configuration.

const MAX_BODY_BYTES = 262_144;

let project: TestProject;
let url: string;
beforeAll(async () => {
  project = await createProject("limits");
  url = bucket().url;
});

function create(body: Record<string, unknown>) {
  return api<ErrorEnvelope & { payload: Task }>("POST", "/api/v1/tasks", {
    key: project.key,
    body: { url, schedule: { at: inHour() }, ...body },
  });
}

/** A 400 whose message and first detail name `path`, with a message matching `message`. */
function expectRefused(
  res: { status: number; json: ErrorEnvelope },
  path: string,
  message: RegExp,
) {
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.json.error.code).toBe("invalid_request");
  expect(res.json.error.details[0]).toEqual({ path, message: expect.stringMatching(message) });
  expect(res.json.error.message).toBe(`${path}: ${res.json.error.details[0]?.message}`);
}

/** POST a raw body to create a task, as a client that does not declare its length would. */
async function postStream(text: string) {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
      controller.close();
    },
  });
  const res = await exports.default.fetch("http://belfry.test/api/v1/tasks", {
    method: "POST",
    headers: { authorization: `Bearer ${project.key}`, "content-type": "application/json" },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as ErrorEnvelope };
}

/** A create body of exactly `size` bytes: a valid task whose string body pads it out. */
function createBodyOfSize(size: number): { text: string; padding: number } {
  const shell = JSON.stringify({ url, schedule: { at: inHour() }, body: "" });
  const padding = size - shell.length;
  return { text: shell.replace('"body":""', `"body":"${"x".repeat(padding)}"`), padding };
}

describe("request body size (MAX_BODY_BYTES, default 256 KiB)", () => {
  it("a body at the limit is accepted, and the task keeps it", async () => {
    const { text, padding } = createBodyOfSize(MAX_BODY_BYTES);
    expect(new TextEncoder().encode(text).length).toBe(MAX_BODY_BYTES);
    const res = await api<{ payload: Task }>("POST", "/api/v1/tasks", {
      key: project.key,
      raw: text,
    });
    expect(res.status).toBe(201);
    const task = await api<{ payload: Task }>("GET", `/api/v1/tasks/${res.json.payload.id}`, {
      key: project.key,
    });
    expect(task.json.payload.body).toBe("x".repeat(padding));
  });

  it("one byte more is a 413 envelope, whether the length is declared or streamed", async () => {
    const { text } = createBodyOfSize(MAX_BODY_BYTES + 1);
    const declared = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
      key: project.key,
      raw: text,
    });
    const streamed = await postStream(text);
    for (const res of [declared, streamed]) {
      expect(res.status).toBe(413);
      expect(res.json).toEqual({
        status: "error",
        error: {
          code: "payload_too_large",
          message: `body: must be at most ${MAX_BODY_BYTES} bytes`,
          details: [{ path: "body", message: `must be at most ${MAX_BODY_BYTES} bytes` }],
        },
      });
    }
    // A streamed body within the limit goes through the same reader and is accepted.
    expect((await postStream(createBodyOfSize(1_000).text)).status).toBe(201);
  });

  it("a PATCH body over the limit is a 413 too", async () => {
    const created = await create({ name: "patch-size" });
    const res = await api<ErrorEnvelope>("PATCH", `/api/v1/tasks/${created.json.payload.id}`, {
      key: project.key,
      raw: JSON.stringify({ body: "x".repeat(MAX_BODY_BYTES) }),
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
  });
});

describe("content types", () => {
  it("JSON and +json types are read as JSON; anything else is a 415", async () => {
    const body = JSON.stringify({ url, schedule: { at: inHour() } });
    for (const contentType of ["application/json; charset=utf-8", "application/vnd.belfry+json"]) {
      const res = await api("POST", "/api/v1/tasks", { key: project.key, raw: body, contentType });
      expect(res.status, contentType).toBe(201);
    }
    // application/json-seq once slipped through as JSON and was then read as an empty object.
    for (const contentType of ["application/json-seq", "text/json", "text/plain", "*/*"]) {
      const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
        key: project.key,
        raw: body,
        contentType,
      });
      expect(res.status, contentType).toBe(415);
      expect(res.json.error.code).toBe("unsupported_media_type");
    }
  });
});

describe("what JSON a body may hold", () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : [nest(depth - 1)]);

  it("nesting up to 64 levels is accepted; deeper is a 400 naming the body", async () => {
    // The request body is level 1, so a task body of 63 nested arrays reaches level 64.
    expect((await create({ body: nest(63) })).status).toBe(201);
    const res = await create({ body: nest(64) });
    expectRefused(res, "body", /^nests deeper than 64 levels$/);
    // Deeper still — 100 000 levels fit in the size limit — is refused the same way.
    const deep = await api<ErrorEnvelope>("POST", "/api/v1/tasks", {
      key: project.key,
      raw: `{"url":"${url}","schedule":{"delay":"1h"},"body":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    });
    expect(deep.status).toBe(400);
    expect(deep.json.error.details[0]?.path).toBe("body");
  });

  it("an unpaired surrogate is a 400 naming its field, wherever it is", async () => {
    const cases: [string, string][] = [
      [`{"url":"${url}","schedule":{"delay":"1h"},"name":"a\\ud800b"}`, "name"],
      [`{"url":"${url}","schedule":{"delay":"1h"},"headers":{"X-A":"\\udfff"}}`, "headers.X-A"],
      [
        `{"url":"${url}","schedule":{"delay":"1h"},"body":{"list":["ok","\\ud83d"]}}`,
        "body.list.1",
      ],
      [`{"url":"${url}","schedule":{"delay":"1h"},"query":{"\\ud800":"v"}}`, "query.\ufffd"],
      ['["\\ud800"]', "body.0"],
    ];
    for (const [raw, path] of cases) {
      const res = await api<ErrorEnvelope>("POST", "/api/v1/tasks", { key: project.key, raw });
      expectRefused(res, path, /unpaired surrogate/);
    }
    // A well-formed pair (an emoji) is fine in a name and a body.
    const ok = await create({ name: "bell \u{1f514}", body: { icon: "\u{1f514}" } });
    expect(ok.status).toBe(201);
    expect(ok.json.payload.name).toBe("bell \u{1f514}");
  });

  it("bytes that are not UTF-8 are a 400 naming the body", async () => {
    const res = await exports.default.fetch("http://belfry.test/api/v1/tasks", {
      method: "POST",
      headers: { authorization: `Bearer ${project.key}`, "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "invalid_request", details: [{ path: "body", message: "is not valid JSON" }] },
    });
  });
});

describe("task names", () => {
  it("a name of 200 characters is accepted; 201 is a 400 naming it", async () => {
    expect((await create({ name: "n".repeat(200) })).status).toBe(201);
    expectRefused(await create({ name: "n".repeat(201) }), "name", /200/);
  });
});

describe("task headers (MAX_HEADERS 50, MAX_HEADER_BYTES 8192)", () => {
  const headers = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, "v"]));

  it("50 headers are accepted; 51 are a 400 naming headers", async () => {
    const ok = await create({ headers: headers(50) });
    expect(ok.status).toBe(201);
    expect(Object.keys(ok.json.payload.headers)).toHaveLength(50);
    expectRefused(await create({ headers: headers(51) }), "headers", /at most 50 headers/);
  });

  it("a header of 8192 bytes (name and value) is accepted; 8193 is a 400 naming it", async () => {
    const value = (total: number) => "v".repeat(total - "X-Big".length);
    expect((await create({ headers: { "X-Big": value(8192) } })).status).toBe(201);
    expectRefused(
      await create({ headers: { "X-Big": value(8193) } }),
      "headers.X-Big",
      /at most 8192 bytes/,
    );
  });

  it.each([
    "Host",
    "content-length",
    "Connection",
    "Keep-Alive",
    "Transfer-Encoding",
    "TE",
    "Trailer",
    "Upgrade",
    "Expect",
    "Proxy-Authorization",
    "Proxy-Connection",
    "CF-Connecting-IP",
    "cf-worker",
    "Webhook-Id",
    "webhook-signature",
    "Belfry-Task-Id",
    "X-Forwarded-For",
  ])("refuses the reserved or hop-by-hop header %s", async (name) => {
    expectRefused(await create({ headers: { [name]: "x" } }), `headers.${name}`, /reserved/);
  });

  it.each([
    ["a space in the name", "Bad Header", "v", /not a valid header name/],
    ["a colon in the name", "X-A:", "v", /not a valid header name/],
    ["a non-ASCII name", "X-\u00e9", "v", /not a valid header name/],
    ["a line break in the value", "X-A", "a\r\nInjected: 1", /printable ASCII/],
    ["NUL in the value", "X-A", "a\u0000b", /printable ASCII/],
    ["a control character in the value", "X-A", "a\u0007b", /printable ASCII/],
    ["non-ASCII text in the value", "X-A", "caf\u00e9", /printable ASCII/],
    ["an emoji in the value", "X-A", "\u{1f514}", /printable ASCII/],
  ])("refuses %s", async (_label, name, value, message) => {
    expectRefused(await create({ headers: { [name]: value } }), `headers.${name}`, message);
  });

  it("ordinary headers, Authorization included, are accepted as given", async () => {
    const given = { Authorization: "Bearer target-token", "X-Trace": "a\tb c", Accept: "*/*" };
    const res = await create({ headers: given });
    expect(res.status).toBe(201);
    expect(res.json.payload.headers).toEqual(given);
  });

  it("a PATCH is held to the same rules, and a refused one changes nothing", async () => {
    const created = await create({ headers: { "X-Keep": "1" } });
    const id = created.json.payload.id;
    const res = await api<ErrorEnvelope>("PATCH", `/api/v1/tasks/${id}`, {
      key: project.key,
      body: { headers: { Host: "evil.example" } },
    });
    expectRefused(res, "headers.Host", /reserved/);
    const task = await api<{ payload: Task }>("GET", `/api/v1/tasks/${id}`, { key: project.key });
    expect(task.json.payload.headers).toEqual({ "X-Keep": "1" });
  });
});

describe("times a Durable Object alarm can be set for", () => {
  it("an instant from 2100 on is a 400 naming its field", async () => {
    expectRefused(
      await create({ schedule: { at: "2100-01-01T00:00:01Z" } }),
      "schedule.at",
      /before 2100/,
    );
    expectRefused(
      await create({ schedule: { every: "1h", begins: "2150-01-01T00:00:00Z" } }),
      "schedule.begins",
      /before 2100/,
    );
    expect((await create({ schedule: { at: "2099-12-31T23:59:59Z" } })).status).toBe(201);
  });

  it("a cron whose first match is in 2100 or later is a 400 naming the schedule", async () => {
    expectRefused(
      await create({ schedule: { cron: "0 0 0 1 1 * 2150" } }),
      "schedule",
      /no occurrence before 2100/,
    );
  });
});

describe("requests without a valid credential are limited per client address", () => {
  // wrangler.toml's ADDRESS_RATE_LIMITER: 100 requests per 10 s per address.
  const LIMIT = 100;
  const PERIOD_MS = 10_000;

  /** GET the task list from `address` with `key`, as a client behind Cloudflare would. */
  async function listFrom(address: string, key: string) {
    const res = await exports.default.fetch("http://belfry.test/api/v1/tasks?limit=1", {
      headers: { authorization: `Bearer ${key}`, "cf-connecting-ip": address },
    });
    await res.arrayBuffer();
    return res.status;
  }

  const randomKey = () => `bf_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;

  it("1 500 made-up bf_ keys from one address: 429s, a bounded number of D1 lookups, no 5xx", async () => {
    const flooder = "203.0.113.7";
    const owner = await createProject("address-limit");
    // A key already in use from this address: verified once, then served without D1.
    expect(await listFrom(flooder, owner.key)).toBe(200);

    const lookupsBefore = meterReadings().d1_credential_lookups ?? 0;
    const started = Date.now();
    const statuses: number[] = [];
    for (let sent = 0; sent < 1_500; sent += 50) {
      const batch = Array.from({ length: 50 }, () => listFrom(flooder, randomKey()));
      statuses.push(...(await Promise.all(batch)));
    }
    const elapsed = Date.now() - started;
    const lookups = (meterReadings().d1_credential_lookups ?? 0) - lookupsBefore;

    const count = (status: number) => statuses.filter((s) => s === status).length;
    expect(statuses).toHaveLength(1_500);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(count(401) + count(429)).toBe(1_500);
    // Each limiter window lets at most LIMIT through, and only those reach D1.
    const windows = Math.ceil(elapsed / PERIOD_MS) + 1;
    expect(lookups).toBe(count(401));
    expect(lookups).toBeLessThanOrEqual(LIMIT * windows);
    expect(count(429)).toBeGreaterThanOrEqual(1_500 - LIMIT * windows);

    // The known key still works from there; another address is not held back.
    expect(await listFrom(flooder, owner.key)).toBe(200);
    expect(await listFrom("198.51.100.20", randomKey())).toBe(401);
  });

  it("the Loopitis links: made-up request ids and tokens are checked in the index (404), then 429s", async () => {
    const prober = "203.0.113.9";
    const lookupsBefore = meterReadings().d1_credential_lookups ?? 0;
    const statuses: number[] = [];
    for (let sent = 0; sent < 300; sent += 50) {
      const batch = Array.from({ length: 50 }, async (_, i) => {
        const query = new URLSearchParams({ requestId: crypto.randomUUID(), token: randomKey() });
        const path = i % 2 === 0 ? "cancel_task" : "get_list";
        const res = await exports.default.fetch(`http://belfry.test/requests/${path}?${query}`, {
          headers: { "cf-connecting-ip": prober },
        });
        await res.arrayBuffer();
        return res.status;
      });
      statuses.push(...(await Promise.all(batch)));
    }
    const lookups = (meterReadings().d1_credential_lookups ?? 0) - lookupsBefore;
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(lookups).toBe(statuses.filter((s) => s === 404).length);
  });
});
