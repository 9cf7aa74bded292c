import { type AttemptView, BelfryClient } from "../../../cli/client";
import { pollUntil } from "../../support/poll";
import type { ProgrammedResponse, ReceivedCall } from "../../support/receiver-types";

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

export { pollUntil };

/**
 * A fresh bucket on the loopback receiver: the URL to give a task, what reached it, and the
 * answers it gives.
 */
export function receiverBucket(receiverUrl: string, name = crypto.randomUUID()) {
  const calls = async (): Promise<ReceivedCall[]> => {
    const res = await fetch(`${receiverUrl}/_calls/${name}`);
    return (await res.json()) as ReceivedCall[];
  };
  return {
    url: `${receiverUrl}/hook/${name}`,
    calls,
    /** Wait until at least `count` calls arrived or time runs out; answers them all either way. */
    waitForCalls: (count: number, timeoutMs: number) =>
      pollUntil(calls, (received) => received.length >= count, timeoutMs),
    /** Answer the next calls with these responses, in order. */
    async program(answers: ProgrammedResponse[]): Promise<void> {
      await fetch(`${receiverUrl}/_program/${name}`, {
        method: "POST",
        body: JSON.stringify(answers),
      });
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
