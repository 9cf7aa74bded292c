import { beforeAll, describe, expect, it } from "vitest";
import { executionUuid } from "../../src/core/execution-uuid";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, eventually, type TestProject } from "../support/helpers";
import type { ReceivedCall } from "../support/receiver-types";

// The Loopitis document (docs/dialects.md). Its request example is sent as written, with the
// return_url pointed at the test receiver and a 100 ms interval (the document's 5000 ms times 10
// would take 50 s).

interface LoopitisRequest {
  requestId: string;
  name: string | null;
  interval: number | null;
  occurrences: number | null;
  return_url: string;
  callback_type: string;
  status: string;
  cancelLink: string | null;
  showRequest: string | null;
}
interface ShownRequest extends LoopitisRequest {
  payload: string | null;
  executions: { executionId: string; executionNumber: number; statusCode: number | null }[];
}
interface Envelope {
  requestedTimes: number | null;
  parentRequestId: string;
  parentRequestName: string | null;
  executionNumber: number;
  executionNumer: number;
  executionId: string;
  payload: string | null;
  cancelLink: string;
  showRequest: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORIGIN = "http://belfry.test";

let project: TestProject;
beforeAll(async () => {
  project = await createProject("loopitis");
});

/** The document's request example, word for word but for the three values named. */
function documentExample(returnUrl: string, interval = 100, occurrences = 3): string {
  return `{
    "interval": ${interval},
    "occurrences": ${occurrences},
    "name": "example_task",
    "return_url": "${returnUrl}",
    "payload": "{"key": "value"}",
    "callback_type": "POST"
}`;
}

/** The document's execution example, word for word. */
const DOCUMENT_ENVELOPE = `{

{
    "requestedTimes": 3,
    "parentRequestId": "6d2f103f-8720-4c8e-b841-3ff5ace52481",
    "parentRequestName": "example_task",
    "executionNumer": 1,
    "executionId": "0937479a-0032-4138-bde7-c4f428cef444",
    "payload": "{\\"key\\": \\"value\\"}",
    "cancelLink": "https://call.loopitis.com/requests/cancel_task?requestId=6d2f103f-8720-4c8e-b841-3ff5ace52481"
    "showRequest": "https://call.loopitis.com/requests/get_list?requestId=6d2f103f-8720-4c8e-b841-3ff5ace52481",
}
}`;

async function create(body: Record<string, unknown>, key = project.key) {
  const res = await api<LoopitisRequest>("POST", "/requests", { key, body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json;
}

async function update(id: string, body: Record<string, unknown>) {
  return api<LoopitisRequest>("PUT", `/requests/${id}`, { key: project.key, body });
}

/** Follow a link from an envelope the way a receiver would: no API key. */
function follow<T>(link: string | null, method = "GET") {
  return api<T>(method, (link ?? "").replace(ORIGIN, ""));
}

const envelope = (call: ReceivedCall | undefined): Envelope => JSON.parse(call?.body ?? "null");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForStatus(id: string, status: string): Promise<ShownRequest> {
  return eventually(async () => {
    const res = await api<ShownRequest>("GET", `/requests/${id}`, { key: project.key });
    return res.json.status === status ? res.json : undefined;
  });
}

/** Wait until a target's calls stop coming, and return them. */
async function settled(target: ReturnType<typeof bucket>, quietMs = 400) {
  let calls = await target.calls();
  for (;;) {
    await sleep(quietMs);
    const now = await target.calls();
    if (now.length === calls.length) return now;
    calls = now;
  }
}

describe("the document's examples", () => {
  it("the request example as written: its payload's inner quotes are not escaped, and the evident intent is accepted", async () => {
    const target = bucket();
    const raw = documentExample(target.url);
    // The correction: `"payload": "{"key": "value"}"` is not JSON; it is read as the string {"key": "value"}.
    expect(() => JSON.parse(raw)).toThrow();
    const res = await api<LoopitisRequest>("POST", "/requests", { key: project.key, raw });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.requestId;
    expect(id).toMatch(UUID);
    expect(res.json).toEqual({
      requestId: id,
      name: "example_task",
      interval: 100,
      occurrences: 3,
      return_url: target.url,
      callback_type: "POST",
      status: "active",
      cancelLink: expect.stringMatching(
        new RegExp(`^${ORIGIN}/requests/cancel_task\\?requestId=${id}&token=[\\w-]{40,}$`),
      ),
      showRequest: expect.stringMatching(
        new RegExp(`^${ORIGIN}/requests/get_list\\?requestId=${id}&token=[\\w-]{40,}$`),
      ),
    });

    const calls = await target.waitForCalls(3);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.method)).toEqual(["POST", "POST", "POST"]);
    calls.forEach((call, i) => {
      expect(call.headers["content-type"]).toBe("application/json");
      expect(envelope(call)).toEqual({
        requestedTimes: 3,
        parentRequestId: id,
        parentRequestName: "example_task",
        executionNumber: i + 1,
        executionNumer: i + 1,
        // UUID-shaped, as in the document's example, and derived from the call's execution id.
        executionId: executionUuid(call.headers["webhook-id"] ?? ""),
        payload: '{"key": "value"}',
        cancelLink: res.json.cancelLink,
        showRequest: res.json.showRequest,
      });
    });
    expect(new Set(calls.map((c) => envelope(c).executionId)).size).toBe(3);
    for (const call of calls) expect(envelope(call).executionId).toMatch(UUID);
    const at = calls.map((c) => Date.parse(c.headers["belfry-scheduled-at"] ?? ""));
    expect([(at[1] ?? 0) - (at[0] ?? 0), (at[2] ?? 0) - (at[1] ?? 0)]).toEqual([100, 100]);
    expect((await waitForStatus(id, "completed")).status).toBe("completed");
    expect(await settled(target)).toHaveLength(3);
  });

  it("the execution example is not JSON either (doubled braces, a missing and a trailing comma): each call is its evident single object", async () => {
    expect(() => JSON.parse(DOCUMENT_ENVELOPE)).toThrow();
    const documentKeys = [...DOCUMENT_ENVELOPE.matchAll(/"(\w+)":/g)].map((m) => m[1]);
    expect(documentKeys).toEqual([
      "requestedTimes",
      "parentRequestId",
      "parentRequestName",
      "executionNumer",
      "executionId",
      "payload",
      "cancelLink",
      "showRequest",
    ]);
    const target = bucket();
    await create({ interval: 100, occurrences: 1, return_url: target.url, payload: "p" });
    const [call] = await target.waitForCalls(1);
    const body = envelope(call);
    expect(typeof body).toBe("object");
    // The document's fields, the correctly spelt executionNumber beside its executionNumer.
    expect(Object.keys(body).sort()).toEqual([...documentKeys, "executionNumber"].sort());
  });

  it("the valid-JSON spelling of the example is accepted too; callback_type PUT makes PUT calls", async () => {
    const target = bucket();
    const created = await create({
      interval: 100,
      occurrences: 1,
      name: "put_task",
      return_url: target.url,
      payload: '{"key": "value"}',
      callback_type: "put",
    });
    expect(created.callback_type).toBe("PUT");
    const [call] = await target.waitForCalls(1);
    expect(call?.method).toBe("PUT");
    expect(envelope(call)).toMatchObject({
      requestedTimes: 1,
      parentRequestName: "put_task",
      payload: '{"key": "value"}',
    });
  });
});

describe("executionId", () => {
  it("is a UUID that every retry of one execution keeps, and the show view names it too", async () => {
    const target = bucket();
    await target.program([{ status: 500, body: "not yet" }]);
    const created = await create({ interval: 150, occurrences: 1, return_url: target.url });
    const [failed, retried] = await target.waitForCalls(2);
    expect(failed?.headers["webhook-id"]).toBe(retried?.headers["webhook-id"]);
    const id = envelope(failed).executionId;
    expect(id).toMatch(UUID);
    expect(envelope(retried).executionId).toBe(id);
    expect(envelope(retried).executionNumber).toBe(1);
    const shown = await eventually(async () => {
      const res = await api<ShownRequest>("GET", `/requests/${created.requestId}`, {
        key: project.key,
      });
      return res.json.executions.length >= 2 ? res.json : undefined;
    });
    expect(shown.executions.map((e) => [e.executionId, e.statusCode])).toEqual([
      [id, 200],
      [id, 500],
    ]);
  });
});

describe("the cancel and show links", () => {
  it("work without an API key, with the request's token, for that request only", async () => {
    const target = bucket();
    const created = await create({ interval: 100, occurrences: 50, return_url: target.url });
    const other = await create({ interval: 100, occurrences: 50, return_url: bucket().url });
    const [first] = await target.waitForCalls(1);
    const { cancelLink, showRequest } = envelope(first);

    const shown = await eventually(async () => {
      const res = await follow<ShownRequest>(showRequest);
      expect(res.status).toBe(200);
      return res.json.executions.length > 0 ? res.json : undefined;
    });
    expect(shown).toMatchObject({ requestId: created.requestId, status: "active", payload: null });
    expect(shown.executions.at(-1)).toMatchObject({
      executionId: executionUuid(first?.headers["webhook-id"] ?? ""),
      executionNumber: 1,
      statusCode: 200,
    });

    // Another request's id with this token, a wrong token, no token: refused.
    const token = new URL(cancelLink).searchParams.get("token") ?? "";
    const wrongRequest = `/requests/cancel_task?requestId=${other.requestId}&token=${token}`;
    expect((await api<ErrorEnvelope>("GET", wrongRequest)).status).toBe(404);
    const wrongToken = cancelLink.replace(token, `${token.slice(0, -2)}xx`);
    expect((await follow<ErrorEnvelope>(wrongToken)).status).toBe(404);
    const noToken = `/requests/cancel_task?requestId=${created.requestId}`;
    const refused = await api<ErrorEnvelope>("GET", noToken, { key: project.key });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details[0]?.path).toBe("token");

    const cancelled = await follow<LoopitisRequest>(cancelLink);
    const cancelledAt = Date.now();
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ requestId: created.requestId, status: "cancelled" });
    const calls = await settled(target);
    expect(calls.length).toBeLessThan(50);
    // No call serves a grid point after the cancel was answered.
    const latest = Math.max(
      ...calls.map((c) => Date.parse(c.headers["belfry-scheduled-at"] ?? "")),
    );
    expect(latest).toBeLessThanOrEqual(cancelledAt);
    expect((await waitForStatus(other.requestId, "active")).status).toBe("active");
    await update(other.requestId, { status: "cancelled" });
  });

  it("the rest of the API still needs a key", async () => {
    expect((await api<ErrorEnvelope>("GET", "/requests")).status).toBe(401);
    const res = await api<ErrorEnvelope>("POST", "/requests", {
      body: { interval: 100, return_url: bucket().url },
    });
    expect(res.status).toBe(401);
  });
});

describe("PUT /requests/:id", () => {
  it("pauses, resumes and cancels by status", async () => {
    const target = bucket();
    const { requestId } = await create({ interval: 100, occurrences: 100, return_url: target.url });
    await target.waitForCalls(1);
    const paused = await update(requestId, { status: "paused" });
    expect(paused.json.status).toBe("paused");
    const whilePaused = (await settled(target)).length;
    const resumed = await update(requestId, { status: "active" });
    expect(resumed.json.status).toBe("active");
    expect((await target.waitForCalls(whilePaused + 2)).length).toBeGreaterThan(whilePaused);
    const cancelled = await update(requestId, { status: "cancelled" });
    expect(cancelled.json.status).toBe("cancelled");
    const again = await api<ErrorEnvelope>("PUT", `/requests/${requestId}`, {
      key: project.key,
      body: { status: "active" },
    });
    expect(again.status).toBe(409);
  });

  it("changes payload, name, return_url and callback_type for the calls still to come", async () => {
    const before = bucket();
    const after = bucket();
    const { requestId } = await create({
      interval: 150,
      occurrences: 4,
      name: "n1",
      return_url: before.url,
      payload: "v1",
    });
    await before.waitForCalls(1);
    const res = await update(requestId, {
      payload: "v2",
      name: "n2",
      return_url: after.url,
      callback_type: "PUT",
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({
      name: "n2",
      return_url: after.url,
      callback_type: "PUT",
      occurrences: 4,
      interval: 150,
    });
    await waitForStatus(requestId, "completed");
    const old = await before.calls();
    const moved = await after.calls();
    expect(old.length + moved.length).toBe(4);
    expect(moved.length).toBeGreaterThan(0);
    for (const call of moved) {
      expect(call.method).toBe("PUT");
      expect(envelope(call)).toMatchObject({ payload: "v2", parentRequestName: "n2" });
    }
    expect(envelope(moved.at(-1)).executionNumber).toBe(4);
  });

  it("keeps occurrences as the request's total when interval or occurrences change", async () => {
    const target = bucket();
    const { requestId } = await create({ interval: 100, occurrences: 3, return_url: target.url });
    await target.waitForCalls(1);
    await update(requestId, { status: "paused" });
    const res = await update(requestId, { interval: 150, occurrences: 5, status: "active" });
    expect(res.json).toMatchObject({ interval: 150, occurrences: 5, status: "active" });
    await waitForStatus(requestId, "completed");
    const calls = await settled(target);
    expect(calls.map((c) => envelope(c).executionNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(envelope(calls.at(-1)).requestedTimes).toBe(5);
  });

  it("refuses fewer occurrences than calls already made, naming occurrences", async () => {
    const target = bucket();
    const { requestId } = await create({ interval: 100, occurrences: 20, return_url: target.url });
    await target.waitForCalls(3);
    await update(requestId, { status: "paused" });
    const res = await api<ErrorEnvelope>("PUT", `/requests/${requestId}`, {
      key: project.key,
      body: { occurrences: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0]?.path).toBe("occurrences");
    await update(requestId, { status: "cancelled" });
  });
});

describe("listing and showing", () => {
  it("GET /requests?status= lists newest first; GET /requests/:id shows one with its calls", async () => {
    const own = await createProject("loopitis-list");
    const target = bucket();
    const slow = await create({ interval: 60_000, return_url: target.url }, own.key);
    const quick = await create(
      { interval: 100, occurrences: 1, return_url: target.url, payload: "x" },
      own.key,
    );
    const list = async (query: string) => {
      const res = await api<LoopitisRequest[]>("GET", `/requests${query}`, { key: own.key });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      return res.json.map((r) => r.requestId);
    };
    expect(await list("")).toEqual([quick.requestId, slow.requestId]);
    const finished = await eventually(async () => {
      const ids = await list("?status=completed");
      return ids.length > 0 ? ids : undefined;
    });
    expect(finished).toEqual([quick.requestId]);
    expect(await list("?status=active")).toEqual([slow.requestId]);
    expect(await list("?status=active,completed&limit=1&offset=1")).toEqual([slow.requestId]);

    const shown = await eventually(async () => {
      const res = await api<ShownRequest>("GET", `/requests/${quick.requestId}`, {
        key: own.key,
      });
      return res.json.executions.length > 0 ? res.json : undefined;
    });
    expect(shown).toMatchObject({
      requestId: quick.requestId,
      status: "completed",
      occurrences: 1,
      interval: 100,
      payload: "x",
      executions: [{ executionNumber: 1, statusCode: 200 }],
    });
    const missing = await api<ErrorEnvelope>("GET", `/requests/${crypto.randomUUID()}`, {
      key: own.key,
    });
    expect(missing.status).toBe(404);
  });
});

describe("mistakes are 400s in the error envelope, naming the Loopitis field", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["an interval under the minimum", { interval: 5 }, "interval"],
    [
      "a callback_type other than POST or PUT",
      { interval: 100, callback_type: "GET" },
      "callback_type",
    ],
    [
      "a return_url that is not http(s)",
      { interval: 100, return_url: "ftp://example.com/x" },
      "return_url",
    ],
    ["no return_url", { interval: 100, return_url: undefined }, "return_url"],
    ["a payload that is not a string", { interval: 100, payload: { key: "value" } }, "payload"],
  ];
  for (const [what, fields, path] of cases) {
    it(what, async () => {
      const res = await api<ErrorEnvelope>("POST", "/requests", {
        key: project.key,
        body: { return_url: bucket().url, ...fields },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      expect(res.json.error.details[0]?.path).toBe(path);
    });
  }

  it("a body that no reading makes JSON", async () => {
    const res = await api<ErrorEnvelope>("POST", "/requests", {
      key: project.key,
      raw: '{"interval": 100, "payload": "{"unclosed}',
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0]?.path).toBe("body");
  });
});

describe("input Belfry could not send", () => {
  it("refuses a name with an unpaired surrogate, naming the field", async () => {
    // A project of its own, so its listing holds only what this request could have made.
    const own = await createProject("loopitis-surrogate");
    const target = bucket();
    const raw = `{"interval": 100, "occurrences": 1, "name": "bad \\ud800", "return_url": "${target.url}"}`;
    const res = await api<ErrorEnvelope>("POST", "/requests", { key: own.key, raw });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0]?.path).toBe("name");
    // Nothing was made that could call later.
    const listed = await api<LoopitisRequest[]>("GET", "/requests?limit=100", { key: own.key });
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual([]);
    expect(listed.json.map((r) => r.return_url)).not.toContain(target.url);
  });
});

describe("another project's request", () => {
  it("is a 404 to read, update or cancel, is not listed, and stays as it was", async () => {
    const owner = await createProject("loopitis-owner");
    const theirs = await create({ interval: 3_600_000, return_url: bucket().url }, owner.key);
    const id = theirs.requestId;
    const read = await api<ErrorEnvelope>("GET", `/requests/${id}`, { key: project.key });
    expect([read.status, read.json.error.code]).toEqual([404, "not_found"]);
    for (const body of [{ status: "cancelled" }, { name: "hijacked" }, { interval: 100 }]) {
      const res = await api<ErrorEnvelope>("PUT", `/requests/${id}`, { key: project.key, body });
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 404]);
    }
    const listed = await api<LoopitisRequest[]>("GET", "/requests?limit=100", { key: project.key });
    expect(listed.json.map((r) => r.requestId)).not.toContain(id);
    const still = await api<LoopitisRequest>("GET", `/requests/${id}`, { key: owner.key });
    expect(still.json).toMatchObject({
      requestId: id,
      status: "active",
      name: null,
      interval: 3_600_000,
    });
    await api("PUT", `/requests/${id}`, { key: owner.key, body: { status: "cancelled" } });
  });
});
