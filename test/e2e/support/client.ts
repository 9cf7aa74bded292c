import { type AttemptView, BelfryClient } from "../../../cli/client";
import { pollUntil } from "../../support/poll";
import type { ReceivedCall } from "../../support/receiver-types";

/** The dev project's API key, from scripts/dev.env. */
export const DEV_KEY = "bf_dev_local_key";

/** The typed client (belfry/client) on a dev server, with the dev project's key. */
export function devClient(url: string): BelfryClient {
  return new BelfryClient({ url, apiKey: DEV_KEY, timeoutMs: 10_000 });
}

/** Every attempt of a task, all pages. */
export async function listAttempts(client: BelfryClient, taskId: string): Promise<AttemptView[]> {
  const all: AttemptView[] = [];
  for await (const attempt of client.executions(taskId, { limit: 100 })) all.push(attempt);
  return all;
}

export { receiverBucket } from "../../support/receiver-bucket";
export { pollUntil };

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
