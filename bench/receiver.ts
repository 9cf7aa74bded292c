import { createServer, type Server } from "node:http";

/** The first arrival of one call (duplicates of its call id are only counted). */
export interface Arrival {
  /** The task's key: the URL's second path segment. */
  task: string;
  /** The grid point the call claims: Belfry-Scheduled-At (the floor: Floor-Scheduled-At); NaN if absent. */
  scheduledAt: number;
  receivedAt: number;
}

/** What the bench receiver saw for one scenario. */
export interface Arrivals {
  calls: Arrival[];
  /** All requests received, duplicates included. */
  total: number;
}

/**
 * A lean loopback receiver for benchmarks: answers 200 at once and records, per scenario (the
 * first path segment; the second names the task), each call's first arrival. Belfry names a
 * call by its webhook-id, the floor by its floor-call-id.
 */
export async function startBenchReceiver(): Promise<{
  url: string;
  arrivals(scenario: string): Arrivals;
  close(): Promise<void>;
}> {
  const seen = new Map<string, Set<string>>();
  const calls = new Map<string, Arrival[]>();
  const totals = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const receivedAt = Date.now();
    const [, scenario = "", task = ""] = (req.url ?? "/").split("/");
    const id = String(req.headers["webhook-id"] ?? req.headers["floor-call-id"] ?? "");
    const claimed = req.headers["belfry-scheduled-at"] ?? req.headers["floor-scheduled-at"];
    totals.set(scenario, (totals.get(scenario) ?? 0) + 1);
    const ids = seen.get(scenario) ?? new Set<string>();
    seen.set(scenario, ids);
    if (!ids.has(id)) {
      ids.add(id);
      const list = calls.get(scenario) ?? [];
      calls.set(scenario, list);
      list.push({ task, scheduledAt: Date.parse(String(claimed ?? "")), receivedAt });
    }
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("receiver did not bind");
  return {
    url: `http://127.0.0.1:${address.port}`,
    arrivals: (scenario) => ({
      calls: calls.get(scenario) ?? [],
      total: totals.get(scenario) ?? 0,
    }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
