/** A minimal API client for the benchmark: JSON in, the envelope's payload out. */
export interface BenchClient {
  request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
}

/** A client for `baseUrl` authenticating with `key`. */
export function benchClient(baseUrl: string, key: string): BenchClient {
  return {
    async request<T>(method: string, path: string, body?: unknown, token = key): Promise<T> {
      const send = () =>
        fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      // A kept-alive connection the server closed while idle fails the next request sent on
      // it; a GET is sent again once on a fresh one.
      const res = await send().catch((error: unknown) => {
        if (method !== "GET") throw error;
        return send();
      });
      const json = (await res.json()) as { status: string; payload: T; error?: unknown };
      if (!res.ok)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.error)}`);
      return json.payload;
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
