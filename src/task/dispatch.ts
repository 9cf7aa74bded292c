import { hasDynamicFields, resolveDynamicFields } from "../core/dynamic-fields";
import { signPayload } from "../core/signing";
import type { TaskDefinition } from "../core/task-definition";
import type { AttemptResult } from "../core/task-runtime";
import type { LastResponse } from "../core/task-view";
import type { Timer } from "../core/timers";
import { VERSION } from "../version";

/** Response bodies are kept up to this many bytes. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

/** The headers Belfry adds to every call, besides the signature. */
export interface DeliveryHeaders {
  executionId: string;
  number: number;
  attempt: number;
  scheduledAt: number;
  timestamp: number;
  signature: string | null;
}

/** The task's URL with its `query` parameters appended to any it already has. */
export function targetUrl(def: TaskDefinition): string {
  const entries = Object.entries(def.query);
  if (entries.length === 0) return def.url;
  const url = new URL(def.url);
  for (const [key, value] of entries) url.searchParams.append(key, value);
  return url.toString();
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
 * for a body that uses dynamic fields.
 */
export async function prepareRequest(
  def: TaskDefinition,
  timer: Timer,
  secrets: readonly string[],
  context: { state: () => unknown; previous: LastResponse | null },
): Promise<PreparedRequest> {
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
  const signature =
    secrets.length > 0
      ? await signPayload(secrets, timer.execution_id, timestamp, bodyText ?? "")
      : null;
  const headers = requestHeaders(def, bodyText, {
    executionId: timer.execution_id,
    number: timer.number,
    attempt: timer.attempt,
    scheduledAt: timer.scheduled_at,
    timestamp,
    signature,
  });
  return { url: targetUrl(def), method: def.method, headers, body: bodyText };
}

async function readLimited(response: Response): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: "", truncated: false };
  // A body declared small enough is read natively in one go: far cheaper than a JS read loop.
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared <= MAX_RESPONSE_BYTES) return { text: await response.text(), truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    const room = MAX_RESPONSE_BYTES - bytes;
    if (value.byteLength > room) {
      text += decoder.decode(value.subarray(0, room));
      await reader.cancel();
      return { text, truncated: true };
    }
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
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
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { method, headers, body, signal, redirect: "manual" });
    const { text, truncated } = await readLimited(response);
    return {
      status_code: response.status,
      error: null,
      headers: Object.fromEntries(response.headers),
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
  }
}
