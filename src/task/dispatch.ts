import { hasDynamicFields, resolveDynamicFields } from "../core/dynamic-fields";
import { recordedHeaders } from "../core/response-headers";
import { signPayload } from "../core/signing";
import type { TaskDefinition } from "../core/task-definition";
import type { AttemptResult } from "../core/task-runtime";
import type { LastResponse } from "../core/task-view";
import type { Timer } from "../core/timers";
import { targetUrlError, withQuery } from "../core/url-policy";
import { VERSION } from "../version";
import { readCapped } from "./capped-body";
import { deadline } from "./deadline";

/** The headers Belfry adds to every call, besides the signature. */
export interface DeliveryHeaders {
  executionId: string;
  number: number;
  attempt: number;
  scheduledAt: number;
  timestamp: number;
  signature: string | null;
  /** The execution a replay sends again (`Belfry-Replay-Of`). */
  replayOf?: string;
}

/** The task's URL with its `query` parameters appended to any it already has. */
export function targetUrl(def: TaskDefinition): string {
  return withQuery(def.url, def.query);
}

/** A call refused before it leaves: its attempt fails with this message as its `error`. */
export class CallRefused extends Error {
  override name = "CallRefused";
}

/** The body text a call carries, or null for none: strings as-is, other values as JSON. */
export function encodeBody(def: TaskDefinition, body: unknown): string | null {
  if (def.method === "GET" || def.method === "HEAD" || def.body === undefined) return null;
  return typeof body === "string" ? body : JSON.stringify(body);
}

/** The full header set of one call: the task's own, then Belfry's. */
export function requestHeaders(
  def: TaskDefinition,
  bodyText: string | null,
  delivery: DeliveryHeaders,
): Headers {
  const headers = new Headers(def.headers);
  if (bodyText !== null && !headers.has("content-type")) {
    headers.set("content-type", typeof def.body === "string" ? "text/plain" : "application/json");
  }
  if (!headers.has("user-agent")) headers.set("user-agent", `Belfry/${VERSION}`);
  headers.set("webhook-id", delivery.executionId);
  headers.set("webhook-timestamp", String(delivery.timestamp));
  if (delivery.signature) headers.set("webhook-signature", delivery.signature);
  headers.set("belfry-task-id", def.id);
  if (def.name !== null)
    headers.set("belfry-task-name", encodeURIComponent(def.name.toWellFormed()));
  headers.set("belfry-execution", String(delivery.number));
  headers.set("belfry-attempt", String(delivery.attempt));
  headers.set("belfry-scheduled-at", new Date(delivery.scheduledAt).toISOString());
  if (delivery.replayOf) headers.set("belfry-replay-of", delivery.replayOf);
  return headers;
}

/** One call, ready to send. */
export interface PreparedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | null;
}

/**
 * Build the call a timer stands for: dynamic fields resolved against `$state` and `$previous`,
 * the body signed with the project's secrets, Belfry's headers added. `$state` is read only
 * for a body that uses dynamic fields. Throws CallRefused when the URL, query included, is
 * not one the deployment may call now (the policy can change after a task was created), or
 * when there is no secret to sign with: no call ever leaves unsigned.
 */
export async function prepareRequest(
  def: TaskDefinition,
  timer: Timer,
  secrets: readonly string[],
  context: { state: () => unknown; previous: LastResponse | null; allowPrivateUrls: boolean },
): Promise<PreparedRequest> {
  const url = callableUrl(def, context.allowPrivateUrls);
  if (secrets.length === 0) throw new CallRefused("the project has no signing secret");
  const body = hasDynamicFields(def.body)
    ? resolveDynamicFields(def.body, {
        job: {
          id: def.id,
          name: def.name,
          execution: timer.number,
          execution_id: timer.execution_id,
          attempt: timer.attempt,
          scheduled_at: new Date(timer.scheduled_at).toISOString(),
        },
        state: context.state(),
        previous: context.previous,
      })
    : def.body;
  const bodyText = encodeBody(def, body);
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = await signPayload(secrets, timer.execution_id, timestamp, bodyText ?? "");
  const headers = requestHeaders(def, bodyText, {
    executionId: timer.execution_id,
    number: timer.number,
    attempt: timer.attempt,
    scheduledAt: timer.scheduled_at,
    timestamp,
    signature,
    ...(timer.replay_of && { replayOf: timer.replay_of }),
  });
  return { url, method: def.method, headers, body: bodyText };
}

/** A call ready to send, or why it could not be built. */
export type PreparedCall = { request: PreparedRequest } | { failure: string };

/**
 * prepareRequest with the project's signing secrets loaded first, and any failure to build the
 * call returned as data: it is recorded as a failed attempt, since it must not jam the task.
 */
export async function prepareCall(
  def: TaskDefinition,
  timer: Timer,
  secrets: () => Promise<readonly string[]>,
  context: { state: () => unknown; previous: LastResponse | null; allowPrivateUrls: boolean },
): Promise<PreparedCall> {
  try {
    return { request: await prepareRequest(def, timer, await secrets(), context) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { failure: `the call could not be prepared: ${reason}` };
  }
}

/** The attempt of a call that could not be built: failed at `now`, nothing sent. */
export function unsentAttempt(failure: string, now: number): AttemptResult {
  return {
    status_code: null,
    error: failure,
    headers: {},
    body: "",
    truncated: false,
    started_at: now,
    duration_ms: 0,
  };
}

/**
 * Each definition's URL as the policy judged it, with the policy it was judged under: a
 * definition never changes (a patch makes a new one), and the policy changes only with a
 * deploy, which starts a new isolate and so an empty map.
 */
const judgedUrls = new WeakMap<
  TaskDefinition,
  { allowPrivateUrls: boolean; url: string; refusal: string | null }
>();

/** The URL a call goes to, after the URL policy is applied to it as it is now. */
function callableUrl(def: TaskDefinition, allowPrivateUrls: boolean): string {
  let judged = judgedUrls.get(def);
  if (judged?.allowPrivateUrls !== allowPrivateUrls) {
    judged = judgeUrl(def, allowPrivateUrls);
    judgedUrls.set(def, judged);
  }
  if (judged.refusal !== null) throw new CallRefused(judged.refusal);
  return judged.url;
}

function judgeUrl(def: TaskDefinition, allowPrivateUrls: boolean) {
  let url: string;
  try {
    url = targetUrl(def);
  } catch {
    return { allowPrivateUrls, url: "", refusal: "url: must be an absolute http or https URL" };
  }
  const error = targetUrlError(url, allowPrivateUrls);
  return { allowPrivateUrls, url, refusal: error === null ? null : `url: ${error}` };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") {
      return `timeout: no complete response within ${timeoutMs} ms`;
    }
    return `connection failed: ${error.message}`;
  }
  return `connection failed: ${String(error)}`;
}

/** Send one call and read its answer, never throwing: failures come back as `error`. */
export async function sendAttempt(
  { url, method, headers, body }: PreparedRequest,
  timeoutMs: number,
): Promise<AttemptResult> {
  const startedAt = Date.now();
  const limit = deadline(timeoutMs);
  try {
    const response = await fetch(url, {
      method,
      headers,
      body,
      signal: limit.signal,
      redirect: "manual",
    });
    const { text, truncated } = await readCapped(response);
    return {
      status_code: response.status,
      error: null,
      headers: recordedHeaders(response.headers),
      body: text,
      truncated,
      started_at: startedAt,
      duration_ms: Date.now() - startedAt,
    };
  } catch (error) {
    return {
      status_code: null,
      error: describeFailure(error, timeoutMs),
      headers: {},
      body: "",
      truncated: false,
      started_at: startedAt,
      duration_ms: Date.now() - startedAt,
    };
  } finally {
    limit.clear();
  }
}
