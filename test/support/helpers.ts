import { env, exports } from "cloudflare:workers";
import { BelfryClient } from "../../cli/client";
import { LoopitisClient } from "../../cli/commands/requests-client";
import { pollUntil } from "./poll";
import { receiverBucket } from "./receiver-bucket";

export const ADMIN_TOKEN = "test-admin-token";

/** The origin the Worker under test is reached at; any host will do, nothing leaves the test. */
const WORKER_ORIGIN = "http://belfry.test";

/** A fresh receiver bucket: its URL for tasks, and ways to read and program it. */
export function bucket(name = crypto.randomUUID()) {
  return receiverBucket(env.RECEIVER_URL, name);
}

/** A fetch into the Worker under test, for the clients that take one. */
const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));

/** The typed client (belfry/client) on the Worker under test, with a key or the admin token. */
export function workerClient(credentials: { apiKey?: string; adminToken?: string }): BelfryClient {
  return new BelfryClient({ url: WORKER_ORIGIN, fetch: workerFetch, ...credentials });
}

/** The `belfry requests` commands' client on the Worker under test, with a project's key. */
export function workerLoopitisClient(apiKey: string): LoopitisClient {
  return new LoopitisClient({ url: WORKER_ORIGIN, apiKey, fetch: workerFetch });
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  json: T;
}

/** Call the Worker's API as a client would. */
export async function api<T = unknown>(
  method: string,
  path: string,
  options: { body?: unknown; key?: string | null; raw?: string; contentType?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const res = await exports.default.fetch(`${WORKER_ORIGIN}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : null) as T };
}

export interface TestProject {
  id: string;
  key: string;
  keyId: string;
  secret: string;
}

/** Create a project through the admin API. */
export async function createProject(name = "test"): Promise<TestProject> {
  const res = await api<{
    payload: { project: { id: string }; api_key: string; key_id: string; signing_secret: string };
  }>("POST", "/api/v1/projects", { key: ADMIN_TOKEN, body: { name } });
  if (res.status !== 201) throw new Error(`project create failed: ${JSON.stringify(res.json)}`);
  const p = res.json.payload;
  return { id: p.project.id, key: p.api_key, keyId: p.key_id, secret: p.signing_secret };
}

/** Poll a task until `done` says so (bounded), returning the last payload. */
export async function waitForTask<T extends { state: string }>(
  key: string,
  id: string,
  done: (task: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const read = async () => (await api<{ payload: T }>("GET", `/api/v1/tasks/${id}`, { key })).json;
  return (await pollUntil(read, (res) => done(res.payload), timeoutMs, 50)).payload;
}

/** Wait until `check` returns a value (bounded): for eventually-consistent history. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const value = await pollUntil(check, (v) => v !== undefined, timeoutMs, 100);
  if (value === undefined) throw new Error("condition not met in time");
  return value;
}
