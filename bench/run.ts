// `npm run bench [-- --quick]`: starts a local dev server and a loopback receiver, runs the
// scenarios, stops everything it started, prints a table and writes bench/results/*.json.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { startDevServer } from "../test/e2e/support/dev-server.ts";
import { type BenchClient, benchClient, pool } from "./belfry-client.ts";
import { executeLocalD1File, queryLocalD1 } from "./d1.ts";
import { GroupMonitor } from "./process-stats.ts";
import { startBenchReceiver } from "./receiver.ts";
import { summarise } from "./stats.ts";

const quick = process.argv.includes("--quick");
const onlyIndex = process.argv.indexOf("--only");
/** `--only light,steady` runs just those scenarios. */
const only = onlyIndex >= 0 ? new Set((process.argv[onlyIndex + 1] ?? "").split(",")) : null;
const wanted = (scenario: string) => only === null || only.has(scenario);
const ADMIN_TOKEN = "dev-admin-token";
const CREATE_CONCURRENCY = 32;
/** Tasks per project, so no API key comes near the rate limit of 1 000 requests per 10 s. */
const TASKS_PER_PROJECT = 500;

interface ScenarioResult {
  scenario: string;
  expected: number;
  received: number;
  recorded: number;
  lateness: { p50: number; p90: number; p99: number; max: number };
  rate: number;
  cpuSeconds: number;
  peakRssMiB: number;
  note?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Throwaway state goes to RAM (/dev/shm) where the machine has it: local workerd syncs every
 * storage write to disk, which measures the disk rather than Belfry. Attempt log lines are off
 * (LOG_ATTEMPTS=0): under `wrangler dev` each one is forwarded through wrangler's own process.
 */
const stateRoot = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const server = await startDevServer({
  persistTo: mkdtempSync(join(stateRoot, "belfry-bench-")),
  vars: { LOG_ATTEMPTS: "0" },
});
const receiver = await startBenchReceiver();
const admin = benchClient(server.url, ADMIN_TOKEN);

/**
 * A client for a new project of the scenario's own: each scenario stays within the per-key
 * rate limit (1 000 requests per 10 s) and its tasks are counted apart.
 */
async function projectClient(name: string): Promise<BenchClient> {
  const project = await admin.request<{ api_key: string }>("POST", "/api/v1/projects", { name });
  return benchClient(server.url, project.api_key);
}
const results: ScenarioResult[] = [];

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(100);
}

function recordedFor(prefix: string): number {
  const [row] = queryLocalD1<{ n: number }>(
    server.persistTo,
    `SELECT COUNT(*) AS n FROM executions e JOIN tasks t ON t.id = e.task_id
     WHERE t.name LIKE '${prefix}-%' AND e.final = 1`,
  );
  return row?.n ?? 0;
}

/** `tasks` tasks every second for `seconds` calls each, their grid points spread over a second. */
async function runInterval(name: string, tasks: number, seconds: number): Promise<ScenarioResult> {
  const clients: BenchClient[] = [];
  for (let i = 0; i < tasks; i += TASKS_PER_PROJECT) clients.push(await projectClient(name));
  const base = Math.ceil((Date.now() + 3_000 + tasks * 8) / 1000) * 1000;
  await pool(tasks, CREATE_CONCURRENCY, async (i) => {
    const api = clients[Math.floor(i / TASKS_PER_PROJECT)] ?? admin;
    await api.request("POST", "/api/v1/tasks", {
      name: `${name}-${i}`,
      url: `${receiver.url}/${name}`,
      body: { i },
      schedule: {
        every: 1000,
        begins: new Date(base + Math.floor((i * 1000) / tasks)).toISOString(),
        occurrences: seconds,
      },
      retry: { attempts: 1 },
    });
  });
  if (Date.now() > base) throw new Error(`${name}: creating ${tasks} tasks overran the start`);
  await sleep(base - Date.now());
  const monitor = new GroupMonitor(server.pid);
  const expected = tasks * seconds;
  await sleep(seconds * 1000);
  await waitFor(() => receiver.arrivals(name).distinct >= expected, 15_000);
  const usage = monitor.finish();
  let recorded = 0;
  // History reaches D1 through the queue: give it a bounded while to catch up.
  const historyDeadline = Date.now() + 60_000;
  for (;;) {
    recorded = recordedFor(name);
    if (process.env.BENCH_VERBOSE) console.log(`${name}: ${recorded}/${expected} recorded`);
    if (recorded >= expected || Date.now() > historyDeadline) break;
    await sleep(1_000);
  }
  const arrivals = receiver.arrivals(name);
  return {
    scenario: name,
    expected,
    received: arrivals.distinct,
    recorded,
    lateness: summarise(arrivals.lateness),
    rate: tasks,
    ...usage,
  };
}

/** Tasks created per second through the API at a fixed concurrency. */
async function runCreation(count: number): Promise<ScenarioResult> {
  const api = await projectClient("creation");
  const monitor = new GroupMonitor(server.pid);
  const started = performance.now();
  const latencies: number[] = [];
  await pool(count, CREATE_CONCURRENCY, async (i) => {
    const t0 = performance.now();
    await api.request("POST", "/api/v1/tasks", {
      name: `creation-${i}`,
      url: `${receiver.url}/creation`,
      schedule: { at: new Date(Date.now() + 86_400_000).toISOString() },
    });
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    scenario: "creation",
    expected: count,
    received: latencies.length,
    recorded: count,
    lateness: summarise(latencies),
    rate: Math.round(count / seconds),
    ...monitor.finish(),
    note: `concurrency ${CREATE_CONCURRENCY}; figures in ms are request latencies`,
  };
}

/** p50/p99 of listing 100-task pages in a project holding `total` tasks. */
async function runListing(total: number): Promise<ScenarioResult> {
  const lister = await projectClient("listing");
  // One real task, then its index row cloned: listing reads only the D1 index.
  const seed = await lister.request<{ id: string }>("POST", "/api/v1/tasks", {
    name: "listing-0",
    url: `${receiver.url}/listing`,
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
  executeLocalD1File(server.persistTo, file);
  rmSync(dir, { recursive: true, force: true });
  // One unmeasured page first: the seeded rows are read cold once, as any first query would be.
  await lister.request("GET", "/api/v1/tasks?limit=100");
  const monitor = new GroupMonitor(server.pid);
  const latencies: number[] = [];
  let pages = 0;
  for (let pass = 0; pass < 2; pass++) {
    let cursor: string | null = null;
    do {
      const t0 = performance.now();
      const page: { results: unknown[]; next_cursor: string | null } = await lister.request(
        "GET",
        `/api/v1/tasks?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      latencies.push(performance.now() - t0);
      pages += 1;
      cursor = page.next_cursor;
    } while (cursor);
  }
  return {
    scenario: "listing",
    expected: Math.ceil(total / 100) * 2,
    received: pages,
    recorded: total,
    lateness: summarise(latencies),
    rate: Math.round((pages * 1000) / latencies.reduce((a, b) => a + b, 0)),
    ...monitor.finish(),
    note: `${total} tasks; figures in ms are page latencies`,
  };
}

/** Raise the rate until p99 lateness passes 100 ms; report the last rate that held. */
async function runRamp(
  rates: number[],
  seconds: number,
  start: ScenarioResult | undefined,
): Promise<ScenarioResult | undefined> {
  let held = start && start.lateness.p99 <= 100 ? start : undefined;
  for (const rate of rates) {
    const result = await runInterval(`ramp${rate}`, rate, seconds);
    results.push({ ...result, scenario: `ramp ${rate}/s` });
    if (result.lateness.p99 > 100 || result.received < result.expected) break;
    held = result;
  }
  return held;
}

function printTable(rows: ScenarioResult[]): void {
  const header = [
    "scenario",
    "expected",
    "received",
    "recorded",
    "p50",
    "p90",
    "p99",
    "max",
    "rate/s",
    "cpu-s",
    "rss-MiB",
  ];
  const body = rows.map((r) => [
    r.scenario,
    String(r.expected),
    String(r.received),
    String(r.recorded),
    String(r.lateness.p50),
    String(r.lateness.p90),
    String(r.lateness.p99),
    String(r.lateness.max),
    String(r.rate),
    String(r.cpuSeconds),
    String(r.peakRssMiB),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  console.log(line(header));
  for (const row of body) console.log(line(row));
}

let failed = false;
try {
  // API scenarios first, on a server that no earlier load has left objects and history behind.
  if (wanted("light")) results.push(await runInterval("light", 10, quick ? 10 : 20));
  if (wanted("creation")) results.push(await runCreation(quick ? 300 : 800));
  if (wanted("listing")) results.push(await runListing(quick ? 2_000 : 10_000));
  const steady = wanted("steady") ? await runInterval("steady", 300, quick ? 10 : 30) : undefined;
  if (steady) results.push(steady);
  if (!quick && wanted("ramp")) {
    const held = await runRamp([400, 500, 600, 800, 1000], 15, steady);
    console.log(`ramp: highest rate holding p99 ≤ 100 ms: ${held ? `${held.rate}/s` : "none"}`);
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await receiver.close();
  await server.stop();
  rmSync(server.persistTo, { recursive: true, force: true });
}

console.log(
  `\nBelfry bench${quick ? " (quick)" : ""} — ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; state in ${stateRoot}; ` +
    "lateness = receive − Belfry-Scheduled-At in ms",
);
printTable(results);
for (const r of results) if (r.note) console.log(`${r.scenario}: ${r.note}`);
mkdirSync("bench/results", { recursive: true });
const out = `bench/results/${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(out, JSON.stringify({ quick, machine: { cores: cpus().length }, results }, null, 2));
console.log(`\nwrote ${out}`);
const missing = results.filter((r) => r.received < r.expected || r.recorded < r.expected);
if (missing.length > 0) {
  console.error(`missing calls or history in: ${missing.map((r) => r.scenario).join(", ")}`);
  console.error(`dev server output (tail):\n${server.output().slice(-3000)}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
