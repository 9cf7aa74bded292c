import type { Page } from "../../../src/wire/answers";
import type { ReceivedCall } from "../../support/receiver-types";

export type { Page };

/** The dev project's API key, from scripts/dev.env. */
export const DEV_KEY = "bf_dev_local_key";

/** The fields of a task the end-to-end tests look at. */
export interface TaskPayload {
  id: string;
  status: "running" | "completed" | "error";
  progress: number;
  message: string;
  data: unknown;
  state: "active" | "paused" | "completed" | "cancelled" | "failed";
  next_run_at: string | null;
  executions: { total: number; succeeded: number; failed: number };
  created_at: string;
}

/** One attempt from GET /api/v1/tasks/{id}/executions. */
export interface AttemptPayload {
  id: string;
  execution_id: string;
  task_id: string;
  number: number;
  attempt: number;
  scheduled_at: string;
  status_code: number | null;
  successful: boolean;
  final: boolean;
}

type Envelope<T> =
  | { status: "success"; payload: T }
  | { status: "error"; error: { code: string; message: string } };

/** Call the native API with the dev key; answers the HTTP status and the envelope's payload. */
export async function callApi<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; payload: T; raw: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${DEV_KEY}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const raw = await res.text();
  const envelope = JSON.parse(raw) as Envelope<T>;
  if (envelope.status !== "success") {
    throw new Error(`${method} ${path} → ${res.status}: ${raw}`);
  }
  return { status: res.status, payload: envelope.payload, raw };
}

/** Every attempt of a task, all pages. */
export async function listAttempts(baseUrl: string, taskId: string): Promise<AttemptPayload[]> {
  const all: AttemptPayload[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const { payload } = await callApi<Page<AttemptPayload>>(
      baseUrl,
      "GET",
      `/api/v1/tasks/${taskId}/executions?limit=100${query}`,
    );
    all.push(...payload.results);
    cursor = payload.next_cursor;
  } while (cursor);
  return all;
}

/** Call `read` until `done` holds or time runs out; answers the last value either way. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A fresh bucket on the loopback receiver: the URL to give a task and what reached it. */
export function receiverBucket(receiverUrl: string, name = crypto.randomUUID()) {
  return {
    url: `${receiverUrl}/hook/${name}`,
    async calls(): Promise<ReceivedCall[]> {
      const res = await fetch(`${receiverUrl}/_calls/${name}`);
      return (await res.json()) as ReceivedCall[];
    },
  };
}

/** The delivery headers of one received call, parsed. */
export function delivery(call: ReceivedCall) {
  return {
    webhookId: call.headers["webhook-id"] ?? "",
    taskId: call.headers["belfry-task-id"] ?? "",
    execution: Number(call.headers["belfry-execution"]),
    attempt: Number(call.headers["belfry-attempt"]),
    scheduledAt: Date.parse(call.headers["belfry-scheduled-at"] ?? ""),
    at: call.at,
  };
}
