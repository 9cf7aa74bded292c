// The API scenarios of `npm run bench` (Belfry only): how fast tasks are created, and how
// fast a page of a long task list is read.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchClient, pool } from "./belfry-client.ts";
import { executeLocalD1File } from "./d1.ts";
import { GroupMonitor } from "./process-stats.ts";
import { summarise } from "./stats.ts";
import type { Target } from "./targets.ts";

const CREATE_CONCURRENCY = 32;

export interface ApiResult {
  scenario: string;
  count: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  rate: number;
  cpuSeconds: number;
  peakRssMiB: number;
  note: string;
}

/** Tasks created per second through the API at a fixed concurrency. */
export async function runCreation(
  belfry: Target,
  receiverUrl: string,
  count: number,
): Promise<ApiResult> {
  const create = await belfry.prepare("creation", count);
  const monitor = new GroupMonitor(belfry.server.pid);
  const started = performance.now();
  const latencies: number[] = [];
  await pool(count, CREATE_CONCURRENCY, async (i) => {
    const t0 = performance.now();
    await create({
      name: `creation-${i}`,
      url: `${receiverUrl}/creation/${i}`,
      body: { i },
      begins: Date.now() + 86_400_000,
      every: 1000,
      occurrences: 1,
    });
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    scenario: "creation",
    count: latencies.length,
    latency: summarise(latencies),
    rate: Math.round(count / seconds),
    ...monitor.finish(),
    note: `${count} creates, ${CREATE_CONCURRENCY} at a time; figures in ms are request latencies`,
  };
}

/** p50/p99 of listing 100-task pages in a project holding `total` tasks. */
export async function runListing(
  belfry: Target,
  adminToken: string,
  receiverUrl: string,
  total: number,
): Promise<ApiResult> {
  const admin = benchClient(belfry.server.url, adminToken);
  const project = await admin.request<{ api_key: string }>("POST", "/api/v1/projects", {
    name: "listing",
  });
  const lister = benchClient(belfry.server.url, project.api_key);
  // One real task, then its index row cloned: listing reads only the D1 index.
  const seed = await lister.request<{ id: string }>("POST", "/api/v1/tasks", {
    name: "listing-0",
    url: `${receiverUrl}/listing/0`,
    schedule: { at: new Date(Date.now() + 86_400_000).toISOString() },
  });
  const dir = mkdtempSync(join(tmpdir(), "belfry-bench-"));
  const file = join(dir, "seed.sql");
  const lines: string[] = [];
  for (let i = 1; i < total; i++) {
    const id = crypto.randomUUID();
    lines.push(
      `INSERT INTO tasks (id, project_id, name, state, next_run_at, last_run_at, executions_total,
        idempotency_key, created_at, updated_at, version, deleted_at, definition, progress)
       SELECT '${id}', project_id, 'listing-${i}', state, next_run_at, last_run_at, 0, NULL,
        created_at - ${i}, updated_at, version, NULL,
        replace(definition, '${seed.id}', '${id}'), progress FROM tasks WHERE id = '${seed.id}';`,
    );
  }
  writeFileSync(file, lines.join("\n"));
  executeLocalD1File(belfry.server.persistTo, file);
  rmSync(dir, { recursive: true, force: true });
  // One unmeasured page first: the seeded rows are read cold once, as any first query would be.
  await lister.request("GET", "/api/v1/tasks?limit=100");
  const monitor = new GroupMonitor(belfry.server.pid);
  const latencies: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    let cursor: string | null = null;
    do {
      const t0 = performance.now();
      const page: { results: unknown[]; next_cursor: string | null } = await lister.request(
        "GET",
        `/api/v1/tasks?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      latencies.push(performance.now() - t0);
      cursor = page.next_cursor;
    } while (cursor);
  }
  return {
    scenario: "listing",
    count: latencies.length,
    latency: summarise(latencies),
    rate: Math.round((latencies.length * 1000) / latencies.reduce((a, b) => a + b, 0)),
    ...monitor.finish(),
    note: `every 100-task page of ${total} tasks, twice; figures in ms are page latencies`,
  };
}
