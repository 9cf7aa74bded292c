import { beforeAll, describe, expect, it } from "vitest";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, eventually, type TestProject } from "../support/helpers";

// The Booper document (docs/dialects.md), its curl example sent as written with the URL
// pointed at the test receiver.

interface Job {
  id: string;
  idempotency_key: string | null;
  inserted_at: string;
  name: string | null;
  description: string | null;
  user_id: string;
  schedule_id: string | null;
  job_id: number;
  job: {
    attempted_at: string | null;
    cancelled_at: string | null;
    completed_at: string | null;
    discarded_at: string | null;
    has_confict: boolean;
    id: number;
    inserted_at: string;
    scheduled_at: string | null;
    state: string;
  };
  args: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

let project: TestProject;
beforeAll(async () => {
  project = await createProject("booper");
});

async function post(body: Record<string, unknown>, key = project.key) {
  return api<{ data: Job }>("POST", "/api/jobs", { key, body });
}

async function create(body: Record<string, unknown>, key = project.key): Promise<Job> {
  const res = await post(body, key);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.data;
}

async function read(id: string, key = project.key): Promise<Job> {
  const res = await api<{ data: Job }>("GET", `/api/jobs/${id}`, { key });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.data;
}

async function cancel(id: string, key = project.key): Promise<Job> {
  const res = await api<{ data: Job }>("POST", `/api/jobs/${id}/cancel`, { key });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.data;
}

const untilState = (id: string, state: string) =>
  eventually(async () => {
    const job = await read(id);
    return job.job.state === state ? job : undefined;
  });

describe("the document's example", () => {
  it("the curl example as written: 201 in the document's shape, run in 30 seconds", async () => {
    const target = bucket();
    const before = Date.now();
    const res = await post({
      method: "post",
      url: target.url,
      body: { content: "Testing 123", channel: "discord" },
      schedule_in: [30, "seconds"],
    });
    expect(res.status).toBe(201);
    const data = res.json.data;
    expect(data).toEqual({
      id: expect.stringMatching(UUID),
      idempotency_key: null,
      inserted_at: expect.stringMatching(NAIVE),
      name: null,
      description: null,
      user_id: project.id,
      schedule_id: null,
      job_id: expect.any(Number),
      job: {
        attempted_at: null,
        cancelled_at: null,
        completed_at: null,
        discarded_at: null,
        has_confict: false,
        id: data.job_id,
        inserted_at: expect.any(String),
        scheduled_at: expect.any(String),
        // The document's example: a job due in 30 seconds reads "available".
        state: "available",
      },
      args: {
        body: { content: "Testing 123", channel: "discord" },
        headers: {},
        method: "post",
        schedule_in: [30, "seconds"],
        url: target.url,
      },
    });
    // Integers, as in the document's `"job_id": 29180`.
    expect(Number.isInteger(data.job_id)).toBe(true);
    expect(data.job_id).toBeGreaterThan(0);
    // The document's example orders the args keys alphabetically, as Booper wrote them.
    expect(Object.keys(data.args)).toEqual(["body", "headers", "method", "schedule_in", "url"]);
    const inserted = Date.parse(data.job.inserted_at);
    expect(inserted).toBeGreaterThanOrEqual(before);
    expect(data.inserted_at).toBe(data.job.inserted_at.slice(0, 19));
    expect(Date.parse(data.job.scheduled_at ?? "") - inserted).toBe(30_000);

    const cancelled = await cancel(data.id);
    expect(cancelled.job.state).toBe("cancelled");
    expect(Date.parse(cancelled.job.cancelled_at ?? "")).toBeGreaterThanOrEqual(inserted);
    expect(Date.parse(cancelled.job.cancelled_at ?? "")).toBeLessThanOrEqual(Date.now());
    expect((await read(data.id)).job).toEqual(cancelled.job);
    expect(await target.calls()).toEqual([]);
  });
});

describe("schedules", () => {
  it("schedule_in as seconds: lower-case method, query, headers and body reach the target", async () => {
    const target = bucket();
    const job = await create({
      method: "put",
      url: target.url,
      query: { source: "booper" },
      headers: { "X-Key": "v" },
      body: { content: "Hello world!" },
      schedule_in: 0.3,
    });
    expect(Date.parse(job.job.scheduled_at ?? "") - Date.parse(job.job.inserted_at)).toBe(300);
    const [call] = await target.waitForCalls(1);
    expect(call?.method).toBe("PUT");
    expect(call?.query).toEqual({ source: "booper" });
    expect(call?.headers["x-key"]).toBe("v");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(call?.body ?? "")).toEqual({ content: "Hello world!" });
    const done = await untilState(job.id, "completed");
    expect(done.job.attempted_at).not.toBeNull();
    expect(done.job.completed_at).not.toBeNull();
    expect(done.job.cancelled_at).toBeNull();
    // Read back, the arguments state the time the job ran for.
    expect(done.args).toEqual({
      body: { content: "Hello world!" },
      headers: { "X-Key": "v" },
      method: "put",
      query: { source: "booper" },
      scheduled_at: job.job.scheduled_at,
      url: target.url,
    });
  });

  it("scheduled_at as a datetime string, a naive Oban datetime (UTC) and a unix timestamp", async () => {
    const iso = new Date(Date.now() + 500).toISOString();
    const fromString = await create({ url: bucket().url, scheduled_at: iso });
    expect(fromString.job.scheduled_at).toBe(iso);

    const naive = new Date(Date.now() + 60_000).toISOString().slice(0, 19);
    const fromNaive = await create({ url: bucket().url, scheduled_at: naive });
    expect(fromNaive.job.scheduled_at).toBe(`${naive}.000Z`);

    const target = bucket();
    const unix = Math.ceil(Date.now() / 1000) + 1;
    const fromUnix = await create({ method: "post", url: target.url, scheduled_at: unix });
    expect(fromUnix.job.scheduled_at).toBe(new Date(unix * 1000).toISOString());
    const [call] = await target.waitForCalls(1);
    expect(call?.at).toBeGreaterThanOrEqual(unix * 1000);
    expect(call?.headers["belfry-scheduled-at"]).toBe(new Date(unix * 1000).toISOString());
  });

  it("repeat_every in seconds, with $job, $previous and $state in the body", async () => {
    const target = bucket();
    await target.program([{ body: JSON.stringify({ $state: { seen: "yes" } }) }]);
    const job = await create({
      method: "post",
      url: target.url,
      body: {
        n: "$job.execution",
        prev: "$previous.status_code",
        seen: "$state.seen",
        job: "$job",
      },
      repeat_every: [1, "seconds"],
    });
    expect(job.schedule_id).toBe(job.id);
    expect(job.args.repeat_every).toEqual([1, "seconds"]);
    const calls = await target.waitForCalls(2);
    await cancel(job.id);
    const [first, second] = calls.map((c) => JSON.parse(c.body));
    expect(first).toMatchObject({ n: 1, prev: null, seen: null });
    expect(second).toMatchObject({ n: 2, prev: 200, seen: "yes" });
    expect(second.job).toMatchObject({ id: job.id, execution: 2, attempt: 1 });
    const at = calls.map((c) => Date.parse(c.headers["belfry-scheduled-at"] ?? ""));
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBe(1000);
  });

  it("repeat_every as a plain number of seconds, read back in seconds", async () => {
    const job = await create({ url: bucket().url, repeat_every: 90 });
    expect(Date.parse(job.job.scheduled_at ?? "") - Date.parse(job.job.inserted_at)).toBe(90_000);
    const native = await api<{ payload: { schedule: { every: number } } }>(
      "GET",
      `/api/v1/tasks/${job.id}`,
      { key: project.key },
    );
    expect(native.json.payload.schedule.every).toBe(90_000);
    expect((await read(job.id)).args.repeat_every).toBe(90);
    await cancel(job.id);
  });

  it("cron: the document's */5 * * * * runs at the next five-minute mark, UTC", async () => {
    const job = await create({ url: bucket().url, cron: "*/5 * * * *" });
    const inserted = Date.parse(job.job.inserted_at);
    const expected = (Math.floor(inserted / 300_000) + 1) * 300_000;
    expect(job.job.scheduled_at).toBe(new Date(expected).toISOString());
    expect(job.schedule_id).toBe(job.id);
    expect((await read(job.id)).args.cron).toBe("*/5 * * * *");
    await cancel(job.id);
  });
});

describe("idempotency, callbacks, events and failures", () => {
  it("a second job with the same idempotency_key returns the first", async () => {
    const first = await create({
      url: bucket().url,
      schedule_in: 60,
      idempotency_key: "broadcast-42",
    });
    expect(first.idempotency_key).toBe("broadcast-42");
    const second = await post({
      url: bucket().url,
      schedule_in: 5,
      idempotency_key: "broadcast-42",
    });
    expect(second.status).toBe(200);
    expect(second.json.data.id).toBe(first.id);
    expect(second.json.data.job.scheduled_at).toBe(first.job.scheduled_at);
    expect(second.json.data.args.url).toBe(first.args.url);
    await cancel(first.id);
  });

  it("the key holds only until the job has run: afterwards the same key makes a new job", async () => {
    const target = bucket();
    const first = await create({ url: target.url, schedule_in: 0.1, idempotency_key: "digest" });
    // Before it runs, the key returns the first job.
    const early = await post({ url: target.url, schedule_in: 0.1, idempotency_key: "digest" });
    expect(early.json.data.id).toBe(first.id);
    await untilState(first.id, "completed");
    await target.waitForCalls(1);
    const later = await post({ url: target.url, schedule_in: 0.1, idempotency_key: "digest" });
    expect(later.status, JSON.stringify(later.json)).toBe(201);
    expect(later.json.data.id).not.toBe(first.id);
    expect(later.json.data.job_id).toBeGreaterThan(first.job_id);
    expect(later.json.data.idempotency_key).toBe("digest");
    // That new job holds the key in turn until it runs, then makes its own call.
    const again = await post({ url: target.url, schedule_in: 0.1, idempotency_key: "digest" });
    expect([again.status, again.json.data.id]).toEqual([200, later.json.data.id]);
    await untilState(later.json.data.id, "completed");
    expect(await target.waitForCalls(2)).toHaveLength(2);
  });

  it("two creates at once with one key make one job", async () => {
    const target = bucket();
    const body = { url: target.url, schedule_in: 3600, idempotency_key: "race" };
    const answers = await Promise.all([post(body), post(body), post(body)]);
    const ids = new Set(answers.map((a) => a.json.data.id));
    const numbers = new Set(answers.map((a) => a.json.data.job_id));
    expect(ids.size).toBe(1);
    expect(numbers.size).toBe(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    await cancel(answers[0]?.json.data.id ?? "");
  });

  it("callback_url gets the result and webhook_url the job events", async () => {
    const target = bucket();
    const callback = bucket();
    const events = bucket();
    const job = await create({
      method: "post",
      url: target.url,
      body: { hello: "world" },
      schedule_in: 0.2,
      callback_url: callback.url,
      webhook_url: events.url,
    });
    expect(job.args).toMatchObject({ callback_url: callback.url, webhook_url: events.url });
    const [result] = await callback.waitForCalls(1);
    expect(JSON.parse(result?.body ?? "")).toMatchObject({
      task_id: job.id,
      execution: { number: 1, successful: true },
      response: { status_code: 200, body: { ok: true } },
    });
    const received = await events.waitForCalls(4);
    expect(received.map((e) => JSON.parse(e.body).type)).toEqual([
      "job.started",
      "job.request",
      "job.response",
      "job.finished",
    ]);
  });

  it("a job whose target answers 410 Gone is discarded", async () => {
    const target = bucket();
    await target.program([{ status: 410 }]);
    const job = await create({ url: target.url, schedule_in: 0.1 });
    const discarded = await untilState(job.id, "discarded");
    expect(discarded.job.discarded_at).not.toBeNull();
    expect(discarded.job.completed_at).toBeNull();
  });
});

describe("listing", () => {
  it("lists newest first, filters by state, pages by limit and offset", async () => {
    const own = await createProject("booper-list");
    const a = await create({ url: bucket().url, schedule_in: 3600 }, own.key);
    const b = await create({ url: bucket().url, schedule_in: 3600 }, own.key);
    const c = await create({ url: bucket().url, schedule_in: 3600 }, own.key);
    await cancel(b.id, own.key);
    const list = async (query: string) => {
      const res = await api<{ data: Job[] }>("GET", `/api/jobs${query}`, { key: own.key });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      return res.json.data.map((j) => j.id);
    };
    expect(await list("")).toEqual([c.id, b.id, a.id]);
    expect(await list("?state=cancelled")).toEqual([b.id]);
    // A pending job reads "available"; Oban's "scheduled" filters the same jobs.
    expect(await list("?state=available")).toEqual([c.id, a.id]);
    expect(await list("?state=scheduled")).toEqual([c.id, a.id]);
    expect(await list("?state=scheduled,cancelled&limit=2")).toEqual([c.id, b.id]);
    expect(await list("?limit=1&offset=1")).toEqual([b.id]);
    expect(await list("?offset=3")).toEqual([]);
    const listed = await api<{ data: Job[] }>("GET", "/api/jobs?limit=1", { key: own.key });
    expect(listed.json.data[0]).toMatchObject({
      id: c.id,
      user_id: own.id,
      job_id: c.job_id,
      job: { id: c.job_id, state: "available" },
    });
  });
});

describe("mistakes are 4xx in the error envelope, naming the Booper field", () => {
  const soon = () => new Date(Date.now() + 60_000).toISOString();
  const cases: [string, () => Record<string, unknown>, string][] = [
    [
      "schedule_in with scheduled_at",
      () => ({ schedule_in: 5, scheduled_at: soon() }),
      "scheduled_at",
    ],
    ["repeat_every with cron", () => ({ repeat_every: 5, cron: "* * * * *" }), "cron"],
    ["an unknown unit", () => ({ schedule_in: [5, "fortnights"] }), "schedule_in"],
    ["a start beyond any date", () => ({ schedule_in: 1e308, repeat_every: 60 }), "schedule_in"],
    [
      "a past scheduled_at",
      () => ({ scheduled_at: "2023-09-01T18:26:19.707539Z" }),
      "scheduled_at",
    ],
    ["an interval under the minimum", () => ({ repeat_every: 0.001 }), "repeat_every"],
    ["a bad cron", () => ({ cron: "every day" }), "cron"],
    ["a body with get", () => ({ method: "get", body: { a: 1 } }), "body"],
    [
      "a webhook_url that is not http(s)",
      () => ({ webhook_url: "ftp://example.com/x" }),
      "webhook_url",
    ],
    ["an unknown field", () => ({ desc: "x" }), "desc"],
  ];
  for (const [what, fields, path] of cases) {
    it(what, async () => {
      const res = await api<ErrorEnvelope>("POST", "/api/jobs", {
        key: project.key,
        body: { url: bucket().url, ...fields() },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.details[0]?.path).toBe(path);
    });
  }

  it("an unknown job is a 404, no API key a 401", async () => {
    const missing = await api<ErrorEnvelope>("GET", `/api/jobs/${crypto.randomUUID()}`, {
      key: project.key,
    });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
    const anonymous = await api<ErrorEnvelope>("GET", "/api/jobs");
    expect(anonymous.status).toBe(401);
  });
});

describe("integer job ids", () => {
  it("a per-project sequence given at create; GET and cancel take it as well as the task id", async () => {
    const own = await createProject("booper-numbers");
    const first = await create({ url: bucket().url, schedule_in: 3600 }, own.key);
    const second = await create({ url: bucket().url, schedule_in: 3600 }, own.key);
    expect(first.job_id).toBe(1);
    expect(second.job_id).toBe(2);
    expect(second.job.id).toBe(2);
    // Another project counts on its own.
    const other = await createProject("booper-numbers-other");
    const theirs = await create({ url: bucket().url, schedule_in: 3600 }, other.key);
    expect(theirs.job_id).toBe(1);

    const byNumber = await read("2", own.key);
    expect(byNumber).toEqual(await read(second.id, own.key));
    expect(byNumber.id).toBe(second.id);
    const cancelled = await cancel("1", own.key);
    expect(cancelled).toMatchObject({ id: first.id, job_id: 1, job: { state: "cancelled" } });
    expect((await read(first.id, own.key)).job.state).toBe("cancelled");

    // A number the project does not have is a 404, even one another project has.
    for (const id of ["3", "0", "999999999999999"]) {
      const res = await api<ErrorEnvelope>("GET", `/api/jobs/${id}`, { key: own.key });
      expect(res.status, id).toBe(404);
      expect(res.json.error.code).toBe("not_found");
    }
    expect((await api("POST", "/api/jobs/3/cancel", { key: own.key })).status).toBe(404);
    expect((await read("1", other.key)).id).toBe(theirs.id);
    await cancel("2", own.key);
    await cancel("1", other.key);
  });

  it("a task made through the native API gets a number when Booper first shows it", async () => {
    const own = await createProject("booper-native");
    const booper = await create({ url: bucket().url, schedule_in: 3600 }, own.key);
    const native = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key: own.key,
      body: { url: bucket().url, schedule: { delay: "1h" } },
    });
    const id = native.json.payload.id;
    const shown = await read(id, own.key);
    expect(shown.job_id).toBe(booper.job_id + 1);
    expect((await read(id, own.key)).job_id).toBe(shown.job_id);
    const listed = await api<{ data: Job[] }>("GET", "/api/jobs", { key: own.key });
    expect(listed.json.data.map((j) => [j.id, j.job_id])).toEqual([
      [id, shown.job_id],
      [booper.id, booper.job_id],
    ]);
  });
});

describe("description", () => {
  it("is accepted, kept, and shown back on create, read and list", async () => {
    const own = await createProject("booper-description");
    const job = await create(
      {
        url: bucket().url,
        schedule_in: 3600,
        name: "digest",
        description: "Daily digest to #general",
      },
      own.key,
    );
    expect(job).toMatchObject({ name: "digest", description: "Daily digest to #general" });
    expect((await read(job.id, own.key)).description).toBe("Daily digest to #general");
    const listed = await api<{ data: Job[] }>("GET", "/api/jobs", { key: own.key });
    expect(listed.json.data[0]?.description).toBe("Daily digest to #general");
    expect((await cancel(job.id, own.key)).description).toBe("Daily digest to #general");
  });
});

describe("another project's job", () => {
  it("is a 404 by task id and by job number, and stays as it was", async () => {
    const owner = await createProject("booper-owner");
    const intruder = await createProject("booper-intruder");
    const theirs = await create({ url: bucket().url, schedule_in: 3600 }, owner.key);
    expect(theirs.job_id).toBe(1);
    for (const id of [theirs.id, String(theirs.job_id)]) {
      const read = await api<ErrorEnvelope>("GET", `/api/jobs/${id}`, { key: intruder.key });
      expect([id, read.status, read.json.error?.code]).toEqual([id, 404, "not_found"]);
      const cancelled = await api<ErrorEnvelope>("POST", `/api/jobs/${id}/cancel`, {
        key: intruder.key,
      });
      expect([id, cancelled.status]).toEqual([id, 404]);
    }
    // Numbers are per project: the intruder's own job 1 is its own, not the owner's.
    const own = await create({ url: bucket().url, schedule_in: 3600 }, intruder.key);
    expect(own.job_id).toBe(1);
    expect((await read("1", intruder.key)).id).toBe(own.id);
    const listed = await api<{ data: Job[] }>("GET", "/api/jobs?limit=100", { key: intruder.key });
    expect(listed.json.data.map((j) => j.id)).toEqual([own.id]);
    expect((await read(theirs.id, owner.key)).job.state).toBe("available");
    await cancel(theirs.id, owner.key);
    await cancel(own.id, intruder.key);
  });
});
