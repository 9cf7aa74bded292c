import { exchange, failure } from "../cli/client.ts";

/** The native API by method and path, through the typed client's exchange: the payload out. */
export interface BenchClient {
  request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
}

/** A client for `baseUrl` authenticating with `key`. */
export function benchClient(baseUrl: string, key: string): BenchClient {
  return {
    async request<T>(method: string, path: string, body?: unknown, token = key): Promise<T> {
      const connection = { url: baseUrl, secret: token, fetch, timeoutMs: 120_000 };
      const send = () => exchange<{ status: string; payload: T }>(connection, method, path, body);
      // A kept-alive connection the server closed while idle fails the next request sent on
      // it; a GET is sent again once on a fresh one.
      const answer = await send().catch((error: unknown) => {
        if (method !== "GET") throw error;
        return send();
      });
      if (!answer.ok) throw failure(method, `${baseUrl}${path}`, answer.status, answer.json);
      return answer.json.payload;
    },
  };
}

/** Run `work` for each index 0..count-1 with at most `concurrency` in flight. */
export async function pool(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
