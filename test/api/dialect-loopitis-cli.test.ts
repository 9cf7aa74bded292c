import { beforeAll, describe, expect, it } from "vitest";
import { requestBody, requestsAdd } from "../../cli/commands/requests-add";
import type { LoopitisClient } from "../../cli/commands/requests-client";
import { requestsExecutions } from "../../cli/commands/requests-executions";
import { requestsList } from "../../cli/commands/requests-list";
import { CliError } from "../../cli/output";
import { executionUuid } from "../../src/core/execution-uuid";
import {
  api,
  bucket,
  createProject,
  eventually,
  type TestProject,
  workerLoopitisClient,
} from "../support/helpers";

// The Loopitis document's CLI asks — "showing all requests with a specific status, showing all
// executions for a specific request, and adding a request with all parameters" — answered by the
// `belfry requests` commands, called here as functions against the Worker.

let project: TestProject;
let client: LoopitisClient;
beforeAll(async () => {
  project = await createProject("loopitis-cli");
  client = workerLoopitisClient(project.key);
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("adding a request with all parameters", () => {
  it("takes the document's field names and sends the same envelope as POST /requests", async () => {
    const target = bucket();
    const added = await requestsAdd(client, {
      interval: "100",
      occurrences: 2,
      name: "example_task",
      returnUrl: target.url,
      payload: '{"key": "value"}',
      callbackType: "PUT",
    });
    expect(added.data).toMatchObject({
      name: "example_task",
      interval: 100,
      occurrences: 2,
      return_url: target.url,
      callback_type: "PUT",
      status: "active",
    });
    expect(added.text).toContain(added.data.requestId);
    expect(added.text).toContain("cancelLink");
    const calls = await target.waitForCalls(2);
    expect(calls.map((c) => c.method)).toEqual(["PUT", "PUT"]);
    const envelope = JSON.parse(calls[0]?.body ?? "");
    expect(envelope).toEqual({
      requestedTimes: 2,
      parentRequestId: added.data.requestId,
      parentRequestName: "example_task",
      executionNumber: 1,
      executionNumer: 1,
      executionId: executionUuid(calls[0]?.headers["webhook-id"] ?? ""),
      payload: '{"key": "value"}',
      cancelLink: added.data.cancelLink,
      showRequest: added.data.showRequest,
    });
  });

  it("Belfry's names mean the same: --every 2m, --url, --method, --body", () => {
    expect(
      requestBody({ every: "2m", url: "https://example.com/x", method: "post", body: "hi" }),
    ).toEqual({
      interval: 120_000,
      return_url: "https://example.com/x",
      callback_type: "post",
      payload: "hi",
    });
  });

  it("refuses two names for one field, and a missing interval or URL, before any call", () => {
    expect(() => requestBody({ interval: "5000", every: "5s", url: "https://e.com" })).toThrow(
      CliError,
    );
    expect(() => requestBody({ returnUrl: "https://e.com" })).toThrow(/--interval/);
    expect(() => requestBody({ interval: "5000" })).toThrow(/--return-url/);
    expect(() => requestBody({ interval: "soon", url: "https://e.com" })).toThrow(/--interval/);
  });

  it("the server's 400 names the document's field", async () => {
    await expect(
      requestsAdd(client, { interval: "100", returnUrl: "ftp://example.com/x" }),
    ).rejects.toMatchObject({ status: 400, code: "invalid_request", message: /^return_url: / });
  });
});

describe("showing requests with a status, and the executions of one", () => {
  it("lists by status, newest first, and shows every execution with its executionId", async () => {
    const own = await createProject("loopitis-cli-list");
    const ownClient = workerLoopitisClient(own.key);
    const target = bucket();
    const slow = await requestsAdd(ownClient, { interval: "1h", returnUrl: target.url });
    const quick = await requestsAdd(ownClient, {
      interval: "100",
      occurrences: 3,
      returnUrl: target.url,
    });
    await eventually(async () => {
      const done = await requestsList(ownClient, { status: "completed" });
      return done.data.length === 1 ? done : undefined;
    });
    const completed = await requestsList(ownClient, { status: "completed" });
    expect(completed.data.map((r) => r.requestId)).toEqual([quick.data.requestId]);
    expect(completed.text).toContain(quick.data.requestId);
    const active = await requestsList(ownClient, { status: "active" });
    expect(active.data.map((r) => r.requestId)).toEqual([slow.data.requestId]);
    const both = await requestsList(ownClient, { status: "active,completed" });
    expect(both.data.map((r) => r.requestId)).toEqual([quick.data.requestId, slow.data.requestId]);
    await expect(requestsList(ownClient, { status: "running" })).rejects.toThrow(CliError);

    const calls = await target.waitForCalls(3);
    const executions = await eventually(async () => {
      const out = await requestsExecutions(ownClient, quick.data.requestId);
      return out.data.length >= 3 ? out : undefined;
    });
    expect(executions.data.map((e) => e.executionNumber)).toEqual([3, 2, 1]);
    const sent = calls.map((c) => JSON.parse(c.body).executionId as string);
    expect(executions.data.map((e) => e.executionId).reverse()).toEqual(sent);
    for (const e of executions.data) expect(e.executionId).toMatch(UUID);
    expect(executions.text).toContain(sent[0]);
    await api("PUT", `/requests/${slow.data.requestId}`, {
      key: own.key,
      body: { status: "cancelled" },
    });
  });
});
