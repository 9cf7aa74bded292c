import { createServer, type Server } from "node:http";

/** What the bench receiver saw for one scenario. */
export interface Arrivals {
  /** Lateness of each first arrival of an occurrence: receive time − Belfry-Scheduled-At (ms). */
  lateness: number[];
  /** Distinct occurrences (webhook-id) received. */
  distinct: number;
  /** All calls received, duplicates included. */
  total: number;
}

/**
 * A lean loopback receiver for benchmarks: answers 200 at once and records, per scenario (the
 * first path segment), how late each call arrived. Nothing else is kept, so it stays cheap.
 */
export async function startBenchReceiver(): Promise<{
  url: string;
  arrivals(scenario: string): Arrivals;
  close(): Promise<void>;
}> {
  const seen = new Map<string, Set<string>>();
  const lateness = new Map<string, number[]>();
  const totals = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const now = Date.now();
    const scenario = (req.url ?? "/").split("/")[1] ?? "";
    const id = String(req.headers["webhook-id"] ?? "");
    const scheduled = Date.parse(String(req.headers["belfry-scheduled-at"] ?? ""));
    totals.set(scenario, (totals.get(scenario) ?? 0) + 1);
    const ids = seen.get(scenario) ?? new Set<string>();
    seen.set(scenario, ids);
    if (!ids.has(id)) {
      ids.add(id);
      const list = lateness.get(scenario) ?? [];
      lateness.set(scenario, list);
      if (Number.isFinite(scheduled)) list.push(now - scheduled);
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
      lateness: lateness.get(scenario) ?? [],
      distinct: seen.get(scenario)?.size ?? 0,
      total: totals.get(scenario) ?? 0,
    }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
