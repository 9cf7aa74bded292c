import { pollUntil } from "./poll";
import type { ProgrammedResponse, ReceivedCall } from "./receiver-types";

/**
 * A fresh bucket on the receiver at `receiverUrl`: the URL to give a task, what reached it, and
 * the answers it gives.
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
    waitForCalls: (count: number, timeoutMs = 15_000) =>
      pollUntil(calls, (received) => received.length >= count, timeoutMs, 50),
    /** Answer the next calls with these responses, in order. */
    async program(answers: ProgrammedResponse[]): Promise<void> {
      await fetch(`${receiverUrl}/_program/${name}`, {
        method: "POST",
        body: JSON.stringify(answers),
      });
    },
  };
}
