import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskDefinition } from "../../src/core/task-definition";
import type { TaskView } from "../../src/core/task-view";
import { encodeBody, requestHeaders, targetUrl } from "../../src/task/dispatch";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { ADMIN_TOKEN, api, bucket, createProject, type TestProject } from "../support/helpers";

// Property-based fuzzing of every route of the native API. Whatever arrives — malformed JSON,
// wrong types, huge or negative numbers, long strings, odd unicode, duplicate keys, wrong
// content types or methods, other projects' ids, bad keys — the answer is never a 5xx, and every
// error is the envelope, a 400 naming the field it refuses. The seed is in the titles below;
// `FUZZ_SEED=<seed> npx vitest run --project workers test/api/fuzz.test.ts` replays a run (with the
// same FUZZ_SCALE), and a failure also prints fast-check's counterexample and path.

const SEED = Number.parseInt(env.FUZZ_SEED ?? "", 10) || 20_261_124;
/**
 * Runs per property: a few hundred each keep the suite's run short. `FUZZ_SCALE=10 npm test`
 * multiplies them for a deeper search, and a new FUZZ_SEED searches elsewhere.
 */
const SCALE = Number.parseInt(env.FUZZ_SCALE ?? "", 10) || 1;
const scaled = <T extends Record<string, number>>(runs: T): T =>
  Object.fromEntries(Object.entries(runs).map(([k, n]) => [k, n * SCALE])) as T;
const RUNS = scaled({
  create: 500,
  patch: 250,
  query: 200,
  foreignIds: 150,
  methods: 120,
  auth: 200,
  admin: 120,
});
const TOTAL = Object.values(RUNS).reduce((a, b) => a + b, 0);
// A bound on a hung run, not a speed target: on a loaded machine 1 500 creates take over a minute.
const FUZZ_TIMEOUT_MS = 180_000;
/** Durable Object alarms cannot be set past 2189: a later next run could never fire. */
const ALARM_LIMIT_MS = Date.UTC(2189, 0, 1);

// ---- sending and judging ----

interface Sent {
  method: string;
  path: string;
  authorization?: string | null;
  body?: string | Uint8Array;
  contentType?: string | null;
}

interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
}

const CODE_OF_STATUS: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

function describeSent(req: Sent): string {
  const body =
    typeof req.body === "string" ? req.body.slice(0, 300) : req.body ? "<bytes>" : "<none>";
  return `${req.method} ${req.path.slice(0, 200)} [${req.contentType ?? "no type"}] ${body}`;
}

/** Requests sent, numbering the client addresses they come from. */
let sentCount = 0;

async function send(req: Sent): Promise<Answer> {
  const headers = new Headers();
  // Each request from its own client address: the per-address limit on requests without a
  // valid credential (test/api/limits.test.ts) is not what this suite probes.
  sentCount += 1;
  headers.set("cf-connecting-ip", `198.18.${(sentCount >> 8) & 255}.${sentCount & 255}`);
  if (req.authorization) headers.set("authorization", req.authorization);
  if (req.contentType) headers.set("content-type", req.contentType);
  const withBody = req.body !== undefined && req.method !== "GET" && req.method !== "HEAD";
  const res = await exports.default.fetch(`http://belfry.test${req.path}`, {
    method: req.method,
    headers,
    ...(withBody && { body: req.body }),
  });
  const text = await res.text();
  let json: unknown = null;
  if (req.method !== "HEAD") {
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${describeSent(req)} answered ${res.status} with non-JSON: ${text}`);
    }
  }
  return { status: res.status, headers: res.headers, json };
}

/** True when `path` is one of `fields` or lies under one of them. */
function namesOneOf(path: string, fields: ReadonlyArray<string>): boolean {
  return fields.some((f) => path === f || path.startsWith(`${f}.`));
}

/**
 * The answer is not a 5xx; an error is the envelope with the code of its status; a 400 names
 * in its message and first detail a field of `fields` (what was sent, or a required field).
 */
function expectSound(req: Sent, res: Answer, fields: ReadonlyArray<string> = []): void {
  const what = `${describeSent(req)} → ${res.status} ${JSON.stringify(res.json)?.slice(0, 400)}`;
  expect(res.status, what).toBeLessThan(500);
  if (req.method === "HEAD") return;
  if (res.status < 400) {
    expect(res.json, what).toMatchObject({ status: "success" });
    return;
  }
  expect(res.json, what).toEqual({
    status: "error",
    error: {
      code: CODE_OF_STATUS[res.status] ?? "<unexpected status>",
      message: expect.any(String),
      details: expect.any(Array),
    },
  });
  const { error } = res.json as ErrorEnvelope;
  expect(error.message.length, what).toBeGreaterThan(0);
  for (const detail of error.details) {
    expect(detail, what).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
  if (res.status === 400) {
    const first = error.details[0];
    expect(first, what).toBeDefined();
    if (!first) return;
    expect(error.message.startsWith(`${first.path}: `), what).toBe(true);
    expect(namesOneOf(first.path, fields), `${what}\nexpected a path under ${fields}`).toBe(true);
  }
}

/** The fields a 400 on a JSON body may name: the body itself, required ones, and those sent. */
function bodyFields(body: Sent["body"], required: ReadonlyArray<string>): string[] {
  const fields = ["body", ...required];
  if (typeof body !== "string") return fields;
  try {
    const parsed: unknown = JSON.parse(body.replace(/^\uFEFF/, ""));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      fields.push(...Object.keys(parsed).map((k) => k.toWellFormed()));
    }
  } catch {
    // Not JSON: only `body` may be named.
  }
  return fields;
}

/**
 * What the API accepted can be sent: the request the task object will build — URL with query,
 * headers, body — is one `fetch` takes, and its next run is a time an alarm can be set for.
 * Validation happens at create and patch time, never at fire time
 * (docs/schedules-and-delivery.md).
 */
function expectDeliverable(task: TaskView): void {
  const def: TaskDefinition = {
    id: task.id,
    project_id: "fuzz",
    name: task.name,
    url: task.url,
    method: task.method,
    headers: task.headers,
    query: task.query,
    ...(task.body !== null && { body: task.body }),
    schedule: { kind: "once", at: 0 },
    retry: task.retry,
    timeout: task.timeout,
    callback_url: task.callback_url,
    events_url: task.events_url,
    idempotency_key: task.idempotency_key,
    access_token: null,
    created_at: 0,
    updated_at: 0,
  };
  const what = JSON.stringify(task).slice(0, 600);
  expect(() => {
    const body = encodeBody(def, def.body);
    const delivery = { executionId: "e", number: 1, attempt: 1, scheduledAt: 0, timestamp: 0 };
    const headers = requestHeaders(def, body, { ...delivery, signature: null });
    new Request(targetUrl(def), { method: def.method, headers, body });
    for (const url of [def.callback_url, def.events_url]) if (url) new Request(url);
  }, what).not.toThrow();
  if (task.next_run_at !== null) {
    expect(Date.parse(task.next_run_at), what).toBeLessThan(ALARM_LIMIT_MS);
  }
}

// ---- generators ----

/** Characters that break naive code: NUL, lone surrogates, bidi controls, BOM, separators. */
const oddChar = fc.constantFrom(
  "\u0000",
  "\ud800",
  "\udfff",
  "\u202e",
  "\u200f",
  "\ufeff",
  "\uffff",
  "\u2028",
  "\u0085",
  "\r\n",
  "\t",
  "%",
  "%00",
  "\\",
  '"',
  "'",
  "\u00e9",
  "\u00ff",
  "\u{1f600}",
  "\u0301",
  "../",
  "$job",
  "\u0000\u0000",
);

const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(oddChar, fc.string({ maxLength: 4 })), { maxLength: 8 })
      .map((parts) => parts.join("")),
  },
  { weight: 1, arbitrary: fc.integer({ min: 190, max: 20_000 }).map((n) => "x".repeat(n)) },
);

const oddNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    -0.5,
    1e308,
    -1e308,
    5e-324,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    9_999_999_999_999,
    1e21,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const anyJson = fc.jsonValue({ maxDepth: 3 });

const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  oddNumber,
  oddString,
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(oddString, anyJson, { maxKeys: 3 }),
);

const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    "2099-01-01T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999+14:00",
    "2026-12-01 09:00:00",
    "2026-12-01T09:00:00",
    "tomorrow",
    "",
  ),
  oddNumber,
);

const DURATION_UNITS = ["ms", "s", "m", "h", "d", "w", "minutes", "fortnights", "", "S", "µs"];
const duration = fc.oneof(
  oddNumber,
  fc.tuple(oddNumber, fc.constantFrom(...DURATION_UNITS)).map(([n, unit]) => `${n}${unit}`),
  fc.tuple(oddNumber, fc.constantFrom(...DURATION_UNITS)),
  fc.tuple(oddString, oddNumber),
  fc.constantFrom("1h", "30s", "1e3s", "-1s", " 5 m ", "5m5s", "Infinity ms", "NaNs"),
  wrongType,
);

const CRON_FIELDS = [
  "*",
  "*/0",
  "*/1000000",
  "0",
  "59",
  "60",
  "99999999999",
  "-1",
  "1-5",
  "5-1",
  "1,2,3",
  "L",
  "W",
  "15W",
  "1#5",
  "5#9",
  "?",
  "MON-FRI",
  "JAN",
  "L-2",
  "0/5",
  "",
];
const cron = fc.oneof(
  fc
    .array(fc.constantFrom(...CRON_FIELDS), { minLength: 4, maxLength: 8 })
    .map((fields) => fields.join(" ")),
  fc.constantFrom("@daily", "@reboot", "@", "0 0 30 2 *", "0 0 1 1 * 2017", "* * * * * * 9999"),
  oddString,
  wrongType,
);

const timezone = fc.oneof(
  fc.constantFrom("UTC", "Europe/Berlin", "America/St_Johns", "Etc/GMT+14", "utc", "Mars/Base"),
  oddString,
  wrongType,
);

const scheduleFields = {
  at: timestamp,
  delay: duration,
  every: duration,
  cron,
  timezone,
  begins: timestamp,
  expires: timestamp,
  occurrences: fc.oneof(fc.integer({ min: 1, max: 10 }), oddNumber, wrongType),
  misfire: fc.oneof(fc.constantFrom("run_once", "skip", "run_all", "RUN_ONCE"), wrongType),
};

/** Schedules that are valid and fire nothing during the run. */
const validSchedule = fc.constantFrom<Record<string, unknown>>(
  { delay: "1h" },
  { at: "2099-01-01T00:00:00Z" },
  { every: "1h", occurrences: 2, misfire: "skip" },
  { every: [2, "hours"], begins: "2098-01-01T00:00:00Z", expires: "2099-01-01T00:00:00Z" },
  { cron: "0 0 1 1 *", timezone: "Europe/Berlin" },
  { cron: "0 0 0 1 1 * 2098" },
);

/** A valid object with one or two of its fields replaced by generated values. */
function mutated(
  base: fc.Arbitrary<Record<string, unknown>>,
  fields: Record<string, fc.Arbitrary<unknown>>,
) {
  const names = Object.keys(fields);
  return fc
    .tuple(
      base,
      fc.subarray(names, { minLength: 1, maxLength: Math.min(2, names.length) }),
      fc.record(fields),
    )
    .map(([value, picked, values]) => {
      const out: Record<string, unknown> = { ...value };
      for (const name of picked) out[name] = values[name];
      return out;
    });
}

const schedule = fc.oneof(
  { weight: 2, arbitrary: validSchedule },
  { weight: 4, arbitrary: mutated(validSchedule, scheduleFields) },
  { weight: 2, arbitrary: fc.record(scheduleFields, { requiredKeys: [] }) },
  { weight: 1, arbitrary: wrongType },
);

/** Target URLs: the loopback receiver (so nothing leaves the machine) or garbage. */
const targetUrlArb = (receiver: string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(receiver) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "ftp://example.com/x",
        "http://",
        "http://user:pw@127.0.0.1/",
        "javascript:alert(1)",
        "http://[::1",
        "http://999.1.1.1/",
        `http://127.0.0.1/${"a".repeat(3_000)}`,
        "//127.0.0.1/x",
        "",
      ),
    },
    { weight: 3, arbitrary: oddString },
    { weight: 1, arbitrary: wrongType },
  );

const headerName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("X-Key", "Accept", "User-Agent", "X-Request-Id") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "X-Key",
      "Authorization",
      "Content-Type",
      "Host",
      "content-length",
      "Transfer-Encoding",
      "Connection",
      "cf-connecting-ip",
      "Webhook-Id",
      "belfry-task-id",
      "X-Forwarded-For",
      "Proxy-Authorization",
      "Bad Header",
      "",
      "X-\u00e9",
    ),
  },
  { weight: 1, arbitrary: oddString },
);

/** Header values: plain text, Latin-1, or anything (line breaks, NUL, emoji, surrogates). */
const headerValue = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom("a", " ", "\t", "\u00e9", "\u00ff", "\u0100", "\u{1f600}", "\u007f"),
    maxLength: 6,
  }),
  oddString,
  wrongType,
);

const taskFields = (receiver: string) => ({
  name: fc.oneof(
    fc.constantFrom("nightly-report", "\u202etroper"),
    oddString,
    fc.constant(null),
    wrongType,
  ),
  url: targetUrlArb(receiver),
  method: fc.oneof(
    fc.constantFrom("get", "POST", "Head", "delete", "PATCH", "put", "TRACE"),
    wrongType,
  ),
  headers: fc.oneof(fc.dictionary(headerName, headerValue, { maxKeys: 3 }), wrongType),
  query: fc.oneof(
    fc.dictionary(oddString, fc.oneof(oddString, wrongType), { maxKeys: 4 }),
    wrongType,
  ),
  body: fc.oneof(anyJson, oddString),
  schedule,
  retry: fc.oneof(
    fc.record(
      { attempts: fc.oneof(oddNumber, wrongType), backoff: duration, max_backoff: duration },
      { requiredKeys: [] },
    ),
    wrongType,
  ),
  timeout: duration,
  callback_url: fc.oneof(targetUrlArb(receiver), fc.constant(null)),
  events_url: fc.oneof(targetUrlArb(receiver), fc.constant(null)),
  idempotency_key: fc.oneof(oddString, wrongType),
});

/** Create and patch bodies: mostly a valid task with a field or two replaced, else anything. */
const taskBody = (receiver: string, base: ReadonlyArray<Record<string, unknown>>) =>
  fc.oneof(
    { weight: 4, arbitrary: mutated(fc.constantFrom(...base), taskFields(receiver)) },
    { weight: 2, arbitrary: mutated(fc.constantFrom(...base), { schedule }) },
    { weight: 1, arbitrary: withStray(fc.record(taskFields(receiver), { requiredKeys: [] })) },
  );

/** A JSON object, sometimes with an extra unknown field. */
function withStray(record: fc.Arbitrary<Record<string, unknown>>) {
  return fc
    .tuple(record, fc.option(fc.tuple(oddString, anyJson), { nil: undefined, freq: 4 }))
    .map(([value, stray]) => (stray ? { ...value, [stray[0]]: stray[1] } : value));
}

/** Deeply nested JSON text, which recursive code cannot walk. */
const deepJson = fc
  .tuple(fc.integer({ min: 60, max: 100_000 }), fc.constantFrom("[", '{"a":'))
  .map(([depth, open]) => {
    const close = open === "[" ? "]" : "}";
    return `${open.repeat(depth)}1${close.repeat(depth)}`;
  });

/** Turn a JSON value into the text of a request body, often broken on the way. */
const bodyText = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 12, arbitrary: value.map((v) => JSON.stringify(v) ?? "null") },
    {
      weight: 2,
      // A duplicate key ahead of the real ones: JSON.parse keeps the last.
      arbitrary: fc
        .tuple(value, fc.constantFrom("url", "schedule", "name", "headers"), wrongType)
        .map(([v, key, dup]) => {
          const text = JSON.stringify(v) ?? "null";
          return text.startsWith("{") && text.length > 2
            ? `{${JSON.stringify(key)}:${JSON.stringify(dup)},${text.slice(1)}`
            : text;
        }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(value, fc.nat()).map(([v, cut]) => {
        const text = JSON.stringify(v) ?? "";
        return text.slice(0, cut % (text.length + 1));
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "null",
        "[]",
        '"string"',
        "12",
        "{",
        "{}}",
        "{'url': 'x'}",
        '{"url": NaN}',
        '{"schedule": {"every": 1e400}}',
        '{"schedule": {"every": -1e400}, "url": "x"}',
        '{"a": 1} // comment',
        "\ufeff{}",
        '{"__proto__": {"url": "x"}, "constructor": 1}',
        '{"name": "\\ud800", "url": "x"}',
        '{"\\udc00": 1}',
      ),
    },
    { weight: 1, arbitrary: deepJson },
  );

const jsonType = fc.oneof(
  { weight: 24, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/vnd.api+json",
      "application/json-seq",
      "application/jsonx",
      "text/plain",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
      ";",
      "*/*",
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Bodies that are not UTF-8, or past the size limit. */
const strangeBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
  fc.constant(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])),
  fc.constant(new TextEncoder().encode(`{"name":"${"x".repeat(262_144)}"}`)),
);

/** A JSON route's body: mostly (broken) JSON text, sometimes raw bytes; with its content type. */
const jsonRequestBody = (value: fc.Arbitrary<unknown>) =>
  fc.tuple(
    fc.oneof({ weight: 20, arbitrary: bodyText(value) }, { weight: 1, arbitrary: strangeBytes }),
    jsonType,
  );

/** A query string: known parameters with odd values, unknown ones, duplicates, bad escapes. */
const queryString = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom("state", "status", "name", "limit", "cursor", "successful", "offset"),
          oddString,
        ),
        fc.oneof(
          fc.constantFrom(
            "active",
            "active,paused",
            "active,",
            "running",
            "true",
            "TRUE",
            "0",
            "-1",
            "100",
            "101",
            "1e400",
            "0x10",
            "",
            "eyJhIjoxfQ",
            btoa(JSON.stringify([1e308, "x"])),
            btoa(JSON.stringify([-1, "z".repeat(101)])),
            btoa("[1,"),
          ),
          oddString,
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => {
      const params = new URLSearchParams();
      for (const [k, v] of pairs) params.append(k.toWellFormed(), v.toWellFormed());
      return { query: `?${params}`, names: pairs.map(([k]) => k.toWellFormed()) };
    }),
  fc
    .constantFrom(
      "?limit=%",
      "?name=%E0%A4%A",
      "?state=%ZZ",
      "?%=1",
      "?cursor=%00",
      "?&&=&",
      "?limit",
    )
    .map((query) => ({
      query,
      names: query
        .slice(1)
        .split("&")
        .map((p) => {
          const key = p.split("=")[0] ?? "";
          try {
            return decodeURIComponent(key);
          } catch {
            return key;
          }
        }),
    })),
);

/** Path segments that are not task ids: garbage, escapes, traversal, very long. */
const strangeSegment = fc.oneof(
  oddString.map((s) => encodeURIComponent(s.toWellFormed())),
  fc.constantFrom("%", "%E0%A4%A", "%2F", "..", ".", "%2e%2e", "a/b", "x".repeat(5_000), "%00"),
);

// ---- the suite ----

describe(`fuzz: ${TOTAL} generated requests over every native route, seed ${SEED} (replay: FUZZ_SEED=${SEED})`, () => {
  let owner: TestProject;
  let other: TestProject;
  /** Keys of the owner's project, used in turn so no one key meets the rate limit. */
  const keys: string[] = [];
  let turn = 0;
  let revokedKey: string;
  let receiver: string;
  /** A paused task of the owner's: PATCH targets it, so a patch that succeeds fires nothing. */
  let pausedId: string;
  /** The other project's task, which no request of the owner's may reach. */
  let foreignId: string;
  const key = () => `Bearer ${keys[turn++ % keys.length]}`;

  beforeAll(async () => {
    receiver = bucket().url;
    owner = await createProject("fuzz");
    other = await createProject("fuzz-other");
    keys.push(owner.key);
    for (let i = 0; i < 7; i++) {
      const res = await api<{ payload: { api_key: string } }>(
        "POST",
        `/api/v1/projects/${owner.id}/keys`,
        { key: ADMIN_TOKEN },
      );
      keys.push(res.json.payload.api_key);
    }
    const doomed = await api<{ payload: { api_key: string; key_id: string } }>(
      "POST",
      `/api/v1/projects/${owner.id}/keys`,
      { key: ADMIN_TOKEN },
    );
    revokedKey = doomed.json.payload.api_key;
    await api("DELETE", `/api/v1/projects/${owner.id}/keys/${doomed.json.payload.key_id}`, {
      key: ADMIN_TOKEN,
    });
    const paused = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key: owner.key,
      body: { name: "patch-target", url: receiver, schedule: { every: "1h" } },
    });
    pausedId = paused.json.payload.id;
    await api("POST", `/api/v1/tasks/${pausedId}/pause`, { key: owner.key });
    const foreign = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key: other.key,
      body: { name: "foreign", url: receiver, schedule: { at: "2099-01-01T00:00:00Z" } },
    });
    foreignId = foreign.json.payload.id;
  });

  it(`POST /api/v1/tasks: ${RUNS.create} generated bodies`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const createBody = taskBody(receiver, [
      { url: receiver, schedule: { delay: "1h" } },
      {
        name: "fuzz",
        url: receiver,
        method: "PUT",
        headers: { "X-Key": "v" },
        query: { a: "b" },
        body: { a: [1, "two"] },
        schedule: { every: "1h" },
        retry: { attempts: 2, backoff: "1s" },
        timeout: "5s",
        callback_url: receiver,
      },
    ]);
    await fc.assert(
      fc.asyncProperty(jsonRequestBody(createBody), async ([body, contentType]) => {
        const req: Sent = {
          method: "POST",
          path: "/api/v1/tasks",
          authorization: key(),
          body,
          contentType,
        };
        const res = await send(req);
        expectSound(req, res, bodyFields(body, ["url", "schedule"]));
        if (res.status === 201 || res.status === 200) {
          const task = (res.json as { payload: TaskView }).payload;
          expectDeliverable(task);
          // Created for real: remove it at once, which must work too.
          const { id } = task;
          const removed = await send({
            method: "DELETE",
            path: `/api/v1/tasks/${id}`,
            authorization: key(),
          });
          expect(removed.status).toBe(200);
        }
      }),
      { seed: SEED, numRuns: RUNS.create },
    );
  });

  it(`PATCH /api/v1/tasks/{id}: ${RUNS.patch} generated bodies`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const patchBody = taskBody(receiver, [{}, { name: "patched" }]);
    await fc.assert(
      fc.asyncProperty(jsonRequestBody(patchBody), async ([body, contentType]) => {
        const req: Sent = {
          method: "PATCH",
          path: `/api/v1/tasks/${pausedId}`,
          authorization: key(),
          body,
          contentType,
        };
        const res = await send(req);
        expectSound(req, res, bodyFields(body, []));
        if (res.status === 200) expectDeliverable((res.json as { payload: TaskView }).payload);
      }),
      { seed: SEED, numRuns: RUNS.patch },
    );
    const task = await api<{ payload: { state: string } }>("GET", `/api/v1/tasks/${pausedId}`, {
      key: owner.key,
    });
    expect(task.status).toBe(200);
    expect(task.json.payload.state).toBe("paused");
  });

  it(`GET lists: ${RUNS.query} generated query strings`, { timeout: FUZZ_TIMEOUT_MS }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v1/tasks", `/api/v1/tasks/${pausedId}/executions`),
        queryString,
        async (path, { query, names }) => {
          const req: Sent = { method: "GET", path: `${path}${query}`, authorization: key() };
          expectSound(req, await send(req), [...names, "cursor"]);
        },
      ),
      { seed: SEED, numRuns: RUNS.query },
    );
  });

  it(`every task route with another project's ids, unknown and garbage ids: ${RUNS.foreignIds} requests`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const routes: [string, (id: string) => string, string | undefined][] = [
      ["GET", (id) => `/api/v1/tasks/${id}`, undefined],
      ["GET", (id) => `/api/v1/get-task-status/${id}`, undefined],
      ["PATCH", (id) => `/api/v1/tasks/${id}`, '{"name":"hijacked"}'],
      ["POST", (id) => `/api/v1/tasks/${id}/pause`, undefined],
      ["POST", (id) => `/api/v1/tasks/${id}/resume`, undefined],
      ["POST", (id) => `/api/v1/tasks/${id}/run`, undefined],
      ["POST", (id) => `/api/v1/tasks/${id}/cancel`, undefined],
      ["DELETE", (id) => `/api/v1/tasks/${id}`, undefined],
      ["GET", (id) => `/api/v1/tasks/${id}/executions`, undefined],
    ];
    const id = fc.oneof(
      { weight: 2, arbitrary: fc.constant({ id: foreignId, exact: true }) },
      { weight: 1, arbitrary: fc.uuid().map((u) => ({ id: u, exact: true })) },
      { weight: 1, arbitrary: fc.constant({ id: foreignId.toUpperCase(), exact: true }) },
      { weight: 2, arbitrary: strangeSegment.map((s) => ({ id: s, exact: false })) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), id, async ([method, path, body], target) => {
        const req: Sent = {
          method,
          path: path(target.id),
          authorization: key(),
          ...(body && { body, contentType: "application/json" }),
        };
        const res = await send(req);
        expectSound(req, res, ["name"]);
        // An id that names a task of another project, or none, is a 404 — never a 403.
        if (target.exact) expect(res.status, describeSent(req)).toBe(404);
      }),
      { seed: SEED, numRuns: RUNS.foreignIds },
    );
    const foreign = await api<{ payload: { name: string; state: string } }>(
      "GET",
      `/api/v1/tasks/${foreignId}`,
      { key: other.key },
    );
    expect(foreign.status).toBe(200);
    expect(foreign.json.payload).toMatchObject({ name: "foreign", state: "active" });
  });

  it(`wrong methods on every route: ${RUNS.methods} requests`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const routes: [string, ReadonlyArray<string>][] = [
      ["/api/v1/tasks", ["GET", "POST", "HEAD"]],
      [`/api/v1/tasks/${pausedId}`, ["GET", "PATCH", "DELETE", "HEAD"]],
      [`/api/v1/get-task-status/${pausedId}`, ["GET", "HEAD"]],
      [`/api/v1/tasks/${pausedId}/pause`, ["POST"]],
      [`/api/v1/tasks/${pausedId}/run`, ["POST"]],
      [`/api/v1/tasks/${pausedId}/executions`, ["GET", "HEAD"]],
      ["/api/v1/projects", ["POST"]],
      [`/api/v1/projects/${owner.id}/keys`, ["POST"]],
      [`/api/v1/projects/${owner.id}/signing-secret/rotate`, ["POST"]],
      ["/healthz", ["GET", "HEAD"]],
    ];
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND"];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...methods),
        fc.constantFrom(key, () => `Bearer ${ADMIN_TOKEN}`),
        async ([path, allowed], method, auth) => {
          fc.pre(!allowed.includes(method));
          const req: Sent = {
            method,
            path,
            authorization: auth(),
            body: "{}",
            contentType: "application/json",
          };
          const res = await send(req);
          expectSound(req, res);
          expect([401, 404, 405], describeSent(req)).toContain(res.status);
        },
      ),
      { seed: SEED, numRuns: RUNS.methods },
    );
  });

  it(`missing, malformed, revoked and misplaced credentials on every route: ${RUNS.auth} requests`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const taskRoutes: [string, string, string | undefined][] = [
      ["POST", "/api/v1/tasks", JSON.stringify({ url: receiver, schedule: { delay: "1h" } })],
      ["GET", "/api/v1/tasks", undefined],
      ["GET", `/api/v1/tasks/${pausedId}`, undefined],
      ["GET", `/api/v1/get-task-status/${pausedId}`, undefined],
      ["PATCH", `/api/v1/tasks/${pausedId}`, '{"name":"x"}'],
      ["POST", `/api/v1/tasks/${pausedId}/pause`, undefined],
      ["POST", `/api/v1/tasks/${pausedId}/resume`, undefined],
      ["POST", `/api/v1/tasks/${pausedId}/cancel`, undefined],
      ["POST", `/api/v1/tasks/${pausedId}/run`, undefined],
      ["DELETE", `/api/v1/tasks/${pausedId}`, undefined],
      ["GET", `/api/v1/tasks/${pausedId}/executions`, undefined],
    ];
    const adminRoutes: [string, string, string | undefined][] = [
      ["POST", "/api/v1/projects", '{"name":"intruder"}'],
      ["POST", `/api/v1/projects/${owner.id}/keys`, undefined],
      ["DELETE", `/api/v1/projects/${owner.id}/keys/${owner.keyId}`, undefined],
      ["POST", `/api/v1/projects/${owner.id}/signing-secret/rotate`, undefined],
    ];
    const printable = fc
      .string({ unit: "binary-ascii", maxLength: 60 })
      .map((s) => s.replace(/[^\x20-\x7e]/g, ""));
    const badCredential = fc.oneof(
      fc.constant(null),
      fc.constantFrom(
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer bf_",
        `Bearer ${"x".repeat(4_000)}`,
      ),
      fc.constant(`Bearer ${revokedKey}`),
      fc.constant(`bearer   ${revokedKey}  `),
      printable.map((s) => `Bearer bf_${s.replace(/\s/g, "")}`),
      printable.map((s) => `Bearer ${s}`),
      fc.constant(`Bearer ${owner.key}x`),
      fc.constant(`Bearer ${owner.key.slice(0, -1)}`),
      fc.constant(`Bearer ${owner.key} ${owner.key}`),
    );
    const route = fc.oneof(
      fc.tuple(
        fc.constantFrom(...taskRoutes),
        fc.oneof(badCredential, fc.constant(`Bearer ${ADMIN_TOKEN}`)),
      ),
      fc.tuple(
        fc.constantFrom(...adminRoutes),
        fc.oneof(
          badCredential,
          fc.constant(`Bearer ${owner.key}`),
          fc.constant(`Bearer ${ADMIN_TOKEN}x`),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(route, async ([[method, path, body], authorization]) => {
        const req: Sent = {
          method,
          path,
          authorization,
          ...(body && { body, contentType: "application/json" }),
        };
        const res = await send(req);
        expectSound(req, res);
        expect(res.status, `${describeSent(req)} with ${String(authorization).slice(0, 80)}`).toBe(
          401,
        );
      }),
      { seed: SEED, numRuns: RUNS.auth },
    );
    // Nothing above changed anything: the task is still there, paused; the key still works.
    const task = await api<{ payload: { name: string; state: string } }>(
      "GET",
      `/api/v1/tasks/${pausedId}`,
      { key: owner.key },
    );
    expect(task.status).toBe(200);
    expect(task.json.payload.state).toBe("paused");
  });

  it(`admin routes with the admin token: ${RUNS.admin} generated requests`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const projectBody = withStray(
      fc.record({ name: fc.oneof(oddString, wrongType) }, { requiredKeys: [] }),
    );
    const request = fc.oneof(
      jsonRequestBody(projectBody).map(
        ([body, contentType]): Sent => ({
          method: "POST",
          path: "/api/v1/projects",
          body,
          contentType,
        }),
      ),
      fc
        .tuple(strangeSegment, fc.constantFrom("keys", "signing-secret/rotate"))
        .map(
          ([id, action]): Sent => ({ method: "POST", path: `/api/v1/projects/${id}/${action}` }),
        ),
      fc
        .tuple(
          fc.oneof(strangeSegment, fc.uuid(), fc.constant(other.id)),
          fc.oneof(strangeSegment, fc.constant(owner.keyId)),
        )
        .map(
          ([projectId, keyId]): Sent => ({
            method: "DELETE",
            path: `/api/v1/projects/${projectId}/keys/${keyId}`,
          }),
        ),
    );
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const res = await send({ ...req, authorization: `Bearer ${ADMIN_TOKEN}` });
        expectSound(req, res, bodyFields(req.body, ["name"]));
        if (req.method === "DELETE") expect(res.status, describeSent(req)).toBe(404);
      }),
      { seed: SEED, numRuns: RUNS.admin },
    );
    // The owner's first key was offered for revocation under other ids only: it still works.
    expect((await api("GET", "/api/v1/tasks", { key: owner.key })).status).toBe(200);
  });
});

// ---- the dialects ----

const DIALECT_RUNS = scaled({
  chronos: 200,
  booper: 200,
  loopitis: 200,
  loopitisUpdate: 80,
  queries: 150,
  foreignIds: 100,
  links: 80,
});
const DIALECT_TOTAL = Object.values(DIALECT_RUNS).reduce((a, b) => a + b, 0);

type SuccessShape =
  | "chronosTask"
  | "chronosPage"
  | "booperJob"
  | "booperJobs"
  | "loopitis"
  | "loopitisList"
  | "deleted"
  | "envelope";

/** What a 2xx of each dialect looks like: its document's shape, never the native envelope. */
function expectShape(what: string, shape: SuccessShape, json: unknown): void {
  const obj = json as Record<string, unknown>;
  switch (shape) {
    case "chronosTask":
      expect(obj, what).toMatchObject({
        id: expect.any(String),
        schedule: expect.any(String),
        inactive: expect.any(Boolean),
      });
      return;
    case "chronosPage":
      expect(obj, what).toMatchObject({
        current_page: expect.any(Number),
        total_pages: expect.any(Number),
        total_results: expect.any(Number),
        results: expect.any(Array),
      });
      expect(obj.total_results as number, what).toBeLessThanOrEqual(10_000);
      return;
    case "booperJob": {
      const data = obj.data as Record<string, unknown>;
      expect(data, what).toMatchObject({ id: expect.any(String), job: expect.any(Object) });
      expect(Number.isInteger(data.job_id), what).toBe(true);
      return;
    }
    case "booperJobs":
      expect(obj.data, what).toEqual(expect.any(Array));
      return;
    case "loopitis":
      expect(obj, what).toMatchObject({
        requestId: expect.any(String),
        status: expect.any(String),
      });
      return;
    case "loopitisList":
      expect(json, what).toEqual(expect.any(Array));
      return;
    case "deleted":
      expect(obj, what).toEqual({ id: expect.any(String), deleted: true });
      return;
    case "envelope":
      expect(obj, what).toMatchObject({ status: "success" });
      return;
  }
}

/** As expectSound, with the dialect's own success shape in place of the native envelope. */
function expectDialectSound(
  req: Sent,
  res: Answer,
  shape: SuccessShape,
  fields: ReadonlyArray<string> = [],
): void {
  if (res.status >= 400) {
    expectSound(req, res, fields);
    return;
  }
  const what = `${describeSent(req)} → ${res.status} ${JSON.stringify(res.json)?.slice(0, 400)}`;
  expect(res.status, what).toBeLessThan(300);
  expectShape(what, shape, res.json);
}

const chronosFields = (receiver: string) => ({
  url: targetUrlArb(receiver),
  schedule: fc.oneof(
    cron,
    timestamp,
    fc.constantFrom("0 8 * * 1-5 *", "0 */15 * * * *", "*/15 * * * 1-5 *", "37 22 27 1 5 2017"),
  ),
  method: fc.oneof(
    fc.constantFrom("GET", "post", "PUT", "DELETE", "", "PATCH", "TRACE"),
    wrongType,
  ),
  headers: fc.oneof(fc.dictionary(headerName, headerValue, { maxKeys: 3 }), wrongType),
  payload: anyJson,
  expires: timestamp,
  begins: timestamp,
  timezone,
  retry: fc.oneof(
    fc.record(
      { attempts: fc.oneof(oddNumber, wrongType), backoff: duration },
      { requiredKeys: [] },
    ),
    wrongType,
  ),
});

const booperFields = (receiver: string) => ({
  method: fc.oneof(fc.constantFrom("get", "post", "PUT", "patch", "delete", "trace"), wrongType),
  url: targetUrlArb(receiver),
  query: fc.oneof(
    fc.dictionary(oddString, fc.oneof(oddString, wrongType), { maxKeys: 3 }),
    wrongType,
  ),
  body: fc.oneof(anyJson, fc.constantFrom("$job", "$state.x", "$previous.body")),
  headers: fc.oneof(fc.dictionary(headerName, headerValue, { maxKeys: 3 }), wrongType),
  name: fc.oneof(oddString, wrongType),
  description: fc.oneof(oddString, wrongType),
  schedule_in: duration,
  scheduled_at: timestamp,
  repeat_every: duration,
  cron,
  idempotency_key: fc.oneof(oddString, wrongType),
  callback_url: fc.oneof(targetUrlArb(receiver), fc.constant(null)),
  webhook_url: fc.oneof(targetUrlArb(receiver), fc.constant(null)),
});

const loopitisFields = (receiver: string) => ({
  interval: fc.oneof(fc.integer({ min: 10, max: 100_000_000 }), oddNumber, wrongType),
  occurrences: fc.oneof(fc.integer({ min: 1, max: 10 }), oddNumber, wrongType),
  name: fc.oneof(oddString, wrongType),
  return_url: targetUrlArb(receiver),
  payload: fc.oneof(oddString, fc.constant('{"key": "value"}'), wrongType),
  callback_type: fc.oneof(fc.constantFrom("POST", "put", "GET", ""), wrongType),
});

const dialectBody = (
  fields: Record<string, fc.Arbitrary<unknown>>,
  base: ReadonlyArray<Record<string, unknown>>,
) =>
  fc.oneof(
    { weight: 4, arbitrary: mutated(fc.constantFrom(...base), fields) },
    { weight: 1, arbitrary: withStray(fc.record(fields, { requiredKeys: [] })) },
  );

/** Query strings with each dialect's parameter names among the odd ones. */
const dialectQuery = (names: ReadonlyArray<string>) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...names), oddString),
        fc.oneof(
          fc.constantFrom(
            "1",
            "0",
            "-1",
            "100",
            "101",
            "10001",
            "1e400",
            "true",
            "false",
            "TRUE",
            "",
            "available",
            "scheduled,completed",
            "active,",
            "discarded",
            "running",
          ),
          oddString,
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => {
      const params = new URLSearchParams();
      for (const [k, v] of pairs) params.append(k.toWellFormed(), v.toWellFormed());
      return { query: `?${params}`, names: pairs.map(([k]) => k.toWellFormed()) };
    });

describe(`fuzz: ${DIALECT_TOTAL} generated requests over every dialect route, seed ${SEED} (replay: FUZZ_SEED=${SEED})`, () => {
  let owner: TestProject;
  let other: TestProject;
  let receiver: string;
  /** The owner's tasks, one per dialect, that the id routes read and update. */
  let chronosId: string;
  let loopitisId: string;
  /** The other project's task (made through each dialect) and its Booper number. */
  let foreignId: string;
  let foreignNumber: number;
  let foreignLink: string;
  const key = () => `Bearer ${owner.key}`;

  beforeAll(async () => {
    receiver = bucket().url;
    owner = await createProject("fuzz-dialects");
    other = await createProject("fuzz-dialects-other");
    const chronos = await api<{ id: string }>("POST", "/api/v1/chronos/tasks", {
      key: owner.key,
      body: { url: receiver, schedule: "0 12 1 1 * 2098" },
    });
    chronosId = chronos.json.id;
    // A job of the owner's, so the Booper lists the queries read are not empty.
    await api("POST", "/api/jobs", {
      key: owner.key,
      body: { url: receiver, schedule_in: [1, "hours"] },
    });
    const request = await api<{ requestId: string }>("POST", "/requests", {
      key: owner.key,
      body: { interval: 3_600_000, return_url: receiver },
    });
    loopitisId = request.json.requestId;
    await api("PUT", `/requests/${loopitisId}`, { key: owner.key, body: { status: "paused" } });
    const theirs = await api<{ data: { id: string; job_id: number } }>("POST", "/api/jobs", {
      key: other.key,
      body: { url: receiver, schedule_in: [1, "hours"] },
    });
    foreignId = theirs.json.data.id;
    foreignNumber = theirs.json.data.job_id;
    const theirRequest = await api<{ requestId: string; cancelLink: string }>("POST", "/requests", {
      key: other.key,
      body: { interval: 3_600_000, return_url: receiver },
    });
    foreignLink = theirRequest.json.cancelLink;
  });

  /** Stop a task the fuzzer created, so nothing it made keeps calling. */
  async function stop(id: string) {
    const res = await send({ method: "DELETE", path: `/api/v1/tasks/${id}`, authorization: key() });
    expect(res.status).toBe(200);
  }

  it(`POST /api/v1/chronos/tasks: ${DIALECT_RUNS.chronos} generated bodies`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const body = dialectBody(chronosFields(receiver), [
      { url: receiver, schedule: "0 8 * * 1-5 *" },
      { url: receiver, schedule: "2099-01-01T00:00:00Z", method: "POST", payload: { a: 1 } },
    ]);
    await fc.assert(
      fc.asyncProperty(jsonRequestBody(body), async ([text, contentType]) => {
        const req: Sent = {
          method: "POST",
          path: "/api/v1/chronos/tasks",
          authorization: key(),
          body: text,
          contentType,
        };
        const res = await send(req);
        expectDialectSound(req, res, "chronosTask", bodyFields(text, ["url", "schedule"]));
        if (res.status === 201) await stop((res.json as { id: string }).id);
      }),
      { seed: SEED, numRuns: DIALECT_RUNS.chronos },
    );
  });

  it(`POST /api/jobs: ${DIALECT_RUNS.booper} generated bodies`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const body = dialectBody(booperFields(receiver), [
      { url: receiver, schedule_in: [1, "hours"] },
      {
        method: "post",
        url: receiver,
        body: { content: "Testing 123" },
        scheduled_at: "2099-01-01T00:00:00Z",
        description: "d",
      },
      { url: receiver, repeat_every: 3600, idempotency_key: "fuzz" },
    ]);
    await fc.assert(
      fc.asyncProperty(jsonRequestBody(body), async ([text, contentType]) => {
        const req: Sent = {
          method: "POST",
          path: "/api/jobs",
          authorization: key(),
          body: text,
          contentType,
        };
        const res = await send(req);
        expectDialectSound(req, res, "booperJob", bodyFields(text, ["url"]));
        if (res.status === 201) await stop((res.json as { data: { id: string } }).data.id);
      }),
      { seed: SEED, numRuns: DIALECT_RUNS.booper },
    );
  });

  it(`POST /requests: ${DIALECT_RUNS.loopitis} generated bodies, the document's unescaped form included`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const body = dialectBody(loopitisFields(receiver), [
      { interval: 3_600_000, return_url: receiver },
      {
        interval: 3_600_000,
        occurrences: 10,
        name: "example_task",
        return_url: receiver,
        payload: "x",
        callback_type: "PUT",
      },
    ]);
    // The document's example writes the payload's inner quotes unescaped: send that form too.
    const unescaped = fc
      .tuple(oddString, fc.constantFrom("POST", "PUT", "GET"))
      .map(
        ([inner, method]) =>
          `{"interval": 3600000, "return_url": "${receiver}", "payload": "{"k": "${inner}"}", "callback_type": "${method}"}`,
      );
    const bodies = fc.oneof(
      { weight: 5, arbitrary: jsonRequestBody(body) },
      { weight: 1, arbitrary: fc.tuple(unescaped, fc.constant("application/json")) },
    );
    await fc.assert(
      fc.asyncProperty(bodies, async ([text, contentType]) => {
        const req: Sent = {
          method: "POST",
          path: "/requests",
          authorization: key(),
          body: text,
          contentType,
        };
        const res = await send(req);
        expectDialectSound(
          req,
          res,
          "loopitis",
          bodyFields(text, ["interval", "return_url", "payload", "callback_type"]),
        );
        if (res.status === 201) await stop((res.json as { requestId: string }).requestId);
      }),
      { seed: SEED, numRuns: DIALECT_RUNS.loopitis },
    );
  });

  it(`PUT /requests/{id}: ${DIALECT_RUNS.loopitisUpdate} generated updates`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const fields = {
      ...loopitisFields(receiver),
      // Never `active`: the request stays paused, so an update that succeeds fires nothing.
      status: fc.oneof(fc.constantFrom("paused", "PAUSED", "done"), wrongType),
    };
    const body = dialectBody(fields, [{}, { name: "renamed" }]);
    await fc.assert(
      fc.asyncProperty(jsonRequestBody(body), async ([text, contentType]) => {
        const req: Sent = {
          method: "PUT",
          path: `/requests/${loopitisId}`,
          authorization: key(),
          body: text,
          contentType,
        };
        const res = await send(req);
        expectDialectSound(
          req,
          res,
          "loopitis",
          bodyFields(text, ["interval", "occurrences", "payload"]),
        );
      }),
      { seed: SEED, numRuns: DIALECT_RUNS.loopitisUpdate },
    );
    const shown = await api<{ status: string }>("GET", `/requests/${loopitisId}`, {
      key: owner.key,
    });
    expect(shown.json.status).toBe("paused");
  });

  it(`GET lists and histories: ${DIALECT_RUNS.queries} generated query strings`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const lists: [string, SuccessShape, string[]][] = [
      ["/api/v1/chronos/tasks", "chronosPage", ["inactive", "page", "per_page"]],
      [`/api/v1/chronos/tasks/${chronosId}/history`, "chronosPage", ["page", "per_page"]],
      ["/api/jobs", "booperJobs", ["state", "limit", "offset"]],
      ["/requests", "loopitisList", ["status", "limit", "offset"]],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...lists)
          .chain(([path, shape, names]) => dialectQuery(names).map((q) => ({ path, shape, ...q }))),
        async ({ path, shape, query, names }) => {
          const req: Sent = { method: "GET", path: `${path}${query}`, authorization: key() };
          expectDialectSound(req, await send(req), shape, [...names, "query"]);
        },
      ),
      { seed: SEED, numRuns: DIALECT_RUNS.queries },
    );
  });

  it(`every dialect id route with another project's ids, numbers and garbage: ${DIALECT_RUNS.foreignIds} requests`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const routes: [string, (id: string) => string, SuccessShape, string | undefined][] = [
      ["GET", (id) => `/api/v1/chronos/tasks/${id}`, "chronosTask", undefined],
      ["DELETE", (id) => `/api/v1/chronos/tasks/${id}`, "deleted", undefined],
      ["GET", (id) => `/api/v1/chronos/tasks/${id}/history`, "chronosPage", undefined],
      ["GET", (id) => `/api/jobs/${id}`, "booperJob", undefined],
      ["POST", (id) => `/api/jobs/${id}/cancel`, "booperJob", undefined],
      ["GET", (id) => `/requests/${id}`, "loopitis", undefined],
      ["PUT", (id) => `/requests/${id}`, "loopitis", '{"name":"hijacked"}'],
      ["GET", (id) => `/get-task-status/${id}`, "envelope", undefined],
    ];
    const id = fc.oneof(
      { weight: 2, arbitrary: fc.constant({ id: foreignId, exact: true }) },
      { weight: 1, arbitrary: fc.constant({ id: String(foreignNumber), exact: false }) },
      { weight: 1, arbitrary: fc.uuid().map((u) => ({ id: u, exact: true })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom("0", "99999", "1e3", "-1", "007")
          .map((n) => ({ id: n, exact: false })),
      },
      { weight: 2, arbitrary: strangeSegment.map((s) => ({ id: s, exact: false })) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        id,
        async ([method, path, shape, body], target) => {
          const req: Sent = {
            method,
            path: path(target.id),
            authorization: key(),
            ...(body && { body, contentType: "application/json" }),
          };
          const res = await send(req);
          expectDialectSound(req, res, shape, ["name", "page", "per_page"]);
          // Another project's task, or none, is a 404 — never a 403, never that task.
          if (target.exact) expect(res.status, describeSent(req)).toBe(404);
          if (res.status < 400) expect(JSON.stringify(res.json)).not.toContain(foreignId);
        },
      ),
      { seed: SEED, numRuns: DIALECT_RUNS.foreignIds },
    );
    const theirs = await api<{ data: { job: { state: string } } }>(
      "GET",
      `/api/jobs/${foreignId}`,
      { key: other.key },
    );
    expect(theirs.json.data.job.state).toBe("available");
  });

  it(`the Loopitis links with odd, foreign and missing tokens: ${DIALECT_RUNS.links} requests`, {
    timeout: FUZZ_TIMEOUT_MS,
  }, async () => {
    const foreign = new URL(foreignLink);
    const foreignToken = foreign.searchParams.get("token") ?? "";
    const param = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(foreignToken, loopitisId, foreignId, ""),
      oddString.map((s) => s.toWellFormed()),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/requests/cancel_task", "/requests/get_list"),
        fc.constantFrom("GET", "POST"),
        param,
        param,
        async (path, method, requestId, token) => {
          fc.pre(!(requestId === foreignId && token === foreignToken));
          const params = new URLSearchParams();
          if (requestId !== undefined) params.set("requestId", requestId);
          if (token !== undefined) params.set("token", token);
          const req: Sent = { method, path: `${path}?${params}` };
          const res = await send(req);
          expectDialectSound(req, res, "loopitis", ["requestId", "token", "query"]);
          expect([400, 404, 405], describeSent(req)).toContain(res.status);
        },
      ),
      { seed: SEED, numRuns: DIALECT_RUNS.links },
    );
    const still = await api<{ status: string }>(
      "GET",
      foreign.pathname.replace("cancel_task", "get_list") + foreign.search,
      {},
    );
    expect(still.json.status).toBe("active");
  });
});
