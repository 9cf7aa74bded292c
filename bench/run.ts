// `npm run bench [-- --quick] [-- --only light,steady]`: starts Belfry's dev server, the floor
// Worker (bench/floor: a bare Durable Object alarm loop) under the same `wrangler dev`, and a
// loopback receiver; runs each load scenario on both, one after the other; prints what a call
// costs each, Belfry relative to the floor, and the price of a million calls; writes
// bench/results/<time>.json. Stops everything it started. docs/performance.md explains the
// figures.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { startDevServer, startWranglerDev } from "../scripts/dev-server.ts";
import { pool } from "./belfry-client.ts";
import { checkGrid, latenessByPlace, spreadStarts } from "./grid.ts";
import { type HistoryFootprint, historyFootprint } from "./history.ts";
import { ANCHORS, type PerCall, pricePerMillion } from "./price.ts";
import { GroupMonitor, sampleGroup } from "./process-stats.ts";
import { type Arrival, startBenchReceiver } from "./receiver.ts";
import { type ApiResult, runCreation, runListing } from "./scenarios-api.ts";
import { summarise } from "./stats.ts";
import { belfryTarget, floorTarget, type Target } from "./targets.ts";

const quick = process.argv.includes("--quick");
const onlyIndex = process.argv.indexOf("--only");
/** `--only light,steady` runs just those scenarios (ramp and overload run only when named). */
const only = onlyIndex >= 0 ? new Set((process.argv[onlyIndex + 1] ?? "").split(",")) : null;
const wanted = (scenario: string) => only === null || only.has(scenario);
/** The long scenarios run in a full run, or when named. */
const wantedLong = (scenario: string) => (only === null ? !quick : only.has(scenario));

const ADMIN_TOKEN = "dev-admin-token";
const CREATE_CONCURRENCY = 32;
/** Every task is created at least this long before its first call. */
const LEAD_MS = 20_000;
/** The server's idle CPU is sampled this long before the first call, and subtracted. */
const IDLE_SAMPLE_MS = 4_000;
/** The lateness bar of the ramp and of recovery after overload. */
const P99_BAR_MS = 100;
/** The second steady pair, run in the opposite order. */
const STEADY_AGAIN = "steady-again";
/** Calls every second of the overload scenario, and the light probe that shows recovery. */
const OVERLOAD = { tasks: 1000, seconds: 15, probeTasks: 10, probeAfterSeconds: 60 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const sleepUntil = (at: number) => sleep(at - Date.now());
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Throwaway state goes to RAM (/dev/shm) where the machine has it: local workerd syncs every
 * storage write to disk, which measures the disk rather than the scheduler. Belfry's attempt
 * log lines are off (LOG_ATTEMPTS=0): under `wrangler dev` each one is forwarded through
 * wrangler's own process. BELFRY_METER=1 serves the counts of billable operations.
 */
const stateRoot = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const [belfryServer, floorServer] = await Promise.all([
  startDevServer({
    persistTo: mkdtempSync(join(stateRoot, "belfry-bench-")),
    vars: { LOG_ATTEMPTS: "0", BELFRY_METER: "1" },
  }),
  startWranglerDev("bench/floor/wrangler.toml", {
    persistTo: mkdtempSync(join(stateRoot, "belfry-floor-")),
  }),
]);
const receiver = await startBenchReceiver();
const belfry = belfryTarget(belfryServer, ADMIN_TOKEN);
const floor = floorTarget(floorServer);

/** Retention Belfry runs with: history bytes are priced for as long as they are kept. */
const retentionDays = Number(
  /HISTORY_RETENTION_DAYS\s*=\s*"(\d+)"/.exec(readFileSync("wrangler.toml", "utf8"))?.[1] ?? 30,
);

/** One load scenario on one system. */
interface IntervalResult {
  scenario: string;
  system: Target["key"];
  tasks: number;
  seconds: number;
  expected: number;
  /** Distinct calls received, and requests received again under a call id already seen. */
  received: number;
  redelivered: number;
  onGrid: number;
  offGrid: number;
  missing: number;
  /** Calls in the history (Belfry); null for the floor, which keeps none. */
  recorded: number | null;
  lateness: { p50: number; p90: number; p99: number; max: number };
  /** p99 lateness of each task's first call, of its last, and of the calls between. */
  p99ByPlace: { first: number; between: number; last: number };
  /** How long before the first call the last task was created (s). */
  createdAheadSeconds: number;
  /** CPU of the server's whole process group from the first call until everything was received and recorded, less its idle CPU over that window. */
  cpuSeconds: number;
  idleCpuPercent: number;
  cpuMsPerCall: number;
  peakRssMiB: number;
  /** Difference of the server's meter over the window. */
  meter: Record<string, number>;
  /** Growth of Belfry's history over the window. */
  history: HistoryFootprint | null;
  overload?: {
    /** From the load's last grid point until its last call arrived (s). */
    drainSeconds: number;
    /** From the load's last grid point until the probe's calls stayed within the bar (s); null: never within the probe. */
    recoverySeconds: number | null;
    /** p99 lateness of the probe's calls in its last 10 s. */
    probeTailP99: number;
  };
  note?: string;
}

/** Estimated creation time per task for each system (ms), refined by every scenario. */
const createMs: Record<Target["key"], number> = { belfry: 30, floor: 30 };

function meterDelta(before: Record<string, number>, after: Record<string, number>) {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
  return true;
}

/** Create `tasks` tasks on the system's grid; return their starts. */
async function createTasks(
  target: Target,
  scenario: string,
  tasks: number,
  occurrences: number,
  base: number,
): Promise<number[]> {
  const create = await target.prepare(scenario, tasks);
  const starts = spreadStarts(base, tasks);
  await pool(tasks, CREATE_CONCURRENCY, (i) =>
    create({
      name: `${scenario}-${i}`,
      url: `${receiver.url}/${scenario}/${i}`,
      body: { i },
      begins: starts[i] ?? base,
      every: 1000,
      occurrences,
    }),
  );
  return starts;
}

/**
 * `tasks` tasks every second for `seconds` calls each, their grid points spread over a second,
 * all created at least LEAD_MS before the first call. With a probe, a few light tasks run
 * through the load and on past it, to see how soon lateness recovers.
 */
async function runInterval(
  target: Target,
  name: string,
  tasks: number,
  seconds: number,
  probe?: { tasks: number; seconds: number },
): Promise<IntervalResult> {
  const scenario = `${target.key}-${name}`;
  const probeScenario = `${scenario}-probe`;
  const total = tasks + (probe?.tasks ?? 0);
  const createStart = Date.now();
  const base =
    Math.ceil((createStart + LEAD_MS + IDLE_SAMPLE_MS + total * createMs[target.key]) / 1000) *
    1000;
  const starts = await createTasks(target, scenario, tasks, seconds, base);
  const probeStarts = probe
    ? await createTasks(target, probeScenario, probe.tasks, probe.seconds, base)
    : [];
  createMs[target.key] = Math.max(2, (1.5 * (Date.now() - createStart)) / total);
  const createdAheadSeconds = round((base - Date.now()) / 1000, 1);

  await sleepUntil(base - IDLE_SAMPLE_MS);
  const idleStart = sampleGroup(target.server.pid).cpuSeconds;
  await sleepUntil(base);
  const idlePerSecond =
    (sampleGroup(target.server.pid).cpuSeconds - idleStart) / (IDLE_SAMPLE_MS / 1000);
  const meterBefore = await target.meter();
  const historyBefore = target.key === "belfry" ? historyFootprint(target.server.persistTo) : null;
  const monitor = new GroupMonitor(target.server.pid);
  const windowStart = Date.now();

  const expected = tasks * seconds;
  const probeExpected = probe ? probe.tasks * probe.seconds : 0;
  const loadEnd = base + seconds * 1000;
  const lastEnd = base + Math.max(seconds, probe?.seconds ?? 0) * 1000;
  await sleepUntil(lastEnd);
  // Late calls still arrive after the last grid point: wait for them a bounded while.
  const drainMs = tasks >= OVERLOAD.tasks ? 180_000 : 15_000;
  await waitFor(
    () =>
      receiver.arrivals(scenario).calls.length >= expected &&
      receiver.arrivals(probeScenario).calls.length >= probeExpected,
    drainMs,
  );
  // History reaches D1 in batches: give it a bounded while to catch up.
  if (target.key === "belfry") {
    await waitFor(
      () =>
        (target.recorded(scenario) ?? 0) + (probe ? (target.recorded(probeScenario) ?? 0) : 0) >=
        expected + probeExpected,
      60_000,
    );
    // Acknowledgements follow the history write.
    await sleep(2_000);
  } else {
    await sleep(1_000);
  }
  const meterAfter = await target.meter();
  const historyAfter = target.key === "belfry" ? historyFootprint(target.server.persistTo) : null;
  const usage = monitor.finish();
  const windowSeconds = (Date.now() - windowStart) / 1000;

  const arrivals = receiver.arrivals(scenario);
  const probeCalls = receiver.arrivals(probeScenario).calls;
  const plan = { tasks, every: 1000, occurrences: seconds, starts };
  const grid = checkGrid(plan, arrivals.calls);
  const byPlace = latenessByPlace(plan, arrivals.calls);
  const received = arrivals.calls.length + probeCalls.length;
  const cpuSeconds = Math.max(0, usage.cpuSeconds - idlePerSecond * windowSeconds);
  const result: IntervalResult = {
    scenario: name,
    system: target.key,
    tasks,
    seconds,
    expected,
    received: arrivals.calls.length,
    redelivered: arrivals.total - arrivals.calls.length,
    ...grid,
    recorded: target.recorded(scenario, true),
    lateness: summarise(lateness(arrivals.calls)),
    p99ByPlace: {
      first: summarise(byPlace.first).p99,
      between: summarise(byPlace.between).p99,
      last: summarise(byPlace.last).p99,
    },
    createdAheadSeconds,
    cpuSeconds: round(cpuSeconds),
    idleCpuPercent: round(idlePerSecond * 100, 1),
    cpuMsPerCall: received > 0 ? round((cpuSeconds * 1000) / received) : 0,
    peakRssMiB: usage.peakRssMiB,
    meter: meterDelta(meterBefore, meterAfter),
    history:
      historyBefore && historyAfter
        ? {
            bytes: historyAfter.bytes - historyBefore.bytes,
            rows: historyAfter.rows - historyBefore.rows,
            btreesPerRow: historyAfter.btreesPerRow,
          }
        : null,
  };
  if (createdAheadSeconds < LEAD_MS / 1000) {
    result.note = `created only ${createdAheadSeconds} s before the first call`;
  }
  if (probe) {
    const lastArrival = arrivals.calls.reduce((m, c) => Math.max(m, c.receivedAt), loadEnd);
    const lateAfterLoad = probeCalls
      .filter((c) => c.scheduledAt >= loadEnd && c.receivedAt - c.scheduledAt > P99_BAR_MS)
      .reduce((m, c) => Math.max(m, c.scheduledAt), -1);
    const probeEnd = base + probe.seconds * 1000;
    const tail = probeCalls.filter((c) => c.scheduledAt >= probeEnd - 10_000);
    const probeMissing =
      probeExpected -
      checkGrid(
        { tasks: probe.tasks, every: 1000, occurrences: probe.seconds, starts: probeStarts },
        probeCalls,
      ).onGrid;
    result.overload = {
      drainSeconds: round((lastArrival - loadEnd) / 1000, 1),
      recoverySeconds:
        lateAfterLoad < 0
          ? 0
          : lateAfterLoad >= probeEnd - 1000 || probeMissing > 0
            ? null
            : Math.ceil((lateAfterLoad + 1000 - loadEnd) / 1000),
      probeTailP99: summarise(lateness(tail)).p99,
    };
  }
  return result;
}

function lateness(calls: readonly Arrival[]): number[] {
  return calls
    .filter((c) => Number.isFinite(c.scheduledAt))
    .map((c) => c.receivedAt - c.scheduledAt);
}

/** A rate holds when every call arrived on its grid point within the lateness bar. */
function holds(r: IntervalResult): boolean {
  return r.lateness.p99 <= P99_BAR_MS && r.missing === 0 && r.offGrid === 0;
}

/**
 * The highest rate of calls per second that holds, from the steady result: up while it holds,
 * down while it does not. Steps of about 15 % below 600/s, so that one system's share of the
 * other's rate is not rounded to a step of a third.
 */
async function runRamp(target: Target, steady: IntervalResult | undefined, seconds: number) {
  const steps: IntervalResult[] = [];
  // Without a steady run (`--only ramp`), the ramp measures 300/s itself first.
  const start = steady ?? (await runInterval(target, "ramp-300", 300, seconds));
  if (!steady) steps.push(start);
  if (holds(start)) {
    let held: number | null = start.tasks;
    for (const rate of [350, 400, 450, 500, 550, 600, 700, 800, 1000]) {
      const r = await runInterval(target, `ramp-${rate}`, rate, seconds);
      steps.push(r);
      if (!holds(r)) break;
      held = rate;
    }
    return { held, steps };
  }
  for (const rate of [275, 250, 225, 200, 150, 100]) {
    const r = await runInterval(target, `ramp-${rate}`, rate, seconds);
    steps.push(r);
    if (holds(r)) return { held: rate, steps };
  }
  return { held: null, steps };
}

/**
 * Billable operations of one call of a scenario, from the meter and the history's growth. The
 * wall time comes from `wallFrom` (the light scenario where it ran): under load every local
 * object waits for the one workerd thread, which a deployment does not share.
 */
function perCall(r: IntervalResult, wallFrom: IntervalResult): PerCall {
  const calls = r.meter.calls || r.received || 1;
  const per = (k: string) => (r.meter[k] ?? 0) / calls;
  return {
    doRequests: per("do_requests"),
    doRowsWritten: per("do_rows_written"),
    doAlarmWrites: per("do_alarm_writes"),
    doWallMs: (wallFrom.meter.do_wall_ms ?? 0) / (wallFrom.meter.calls || wallFrom.received || 1),
    d1RowsWritten: per("d1_rows_written"),
    d1PurgeRows: r.history ? (r.history.rows * r.history.btreesPerRow) / calls : 0,
    queueMessages: per("queue_messages"),
    queueBytes: per("queue_bytes"),
    d1Bytes: r.history ? r.history.bytes / calls : 0,
  };
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i <= 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function commit(): string {
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" });
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    encoding: "utf8",
  });
  return `${git.stdout.trim() || "unknown"}${dirty.stdout.trim() ? " (modified)" : ""}`;
}

const intervals: IntervalResult[] = [];
const api: ApiResult[] = [];
const ramps: Record<string, number | null> = {};
let failed = false;
/**
 * Both systems, one after the other, never at once: the floor first, unless `order` says
 * otherwise.
 */
async function both(
  name: string,
  tasks: number,
  seconds: number,
  probe?: { tasks: number; seconds: number },
  order: Target[] = [floor, belfry],
) {
  const pair: Partial<Record<Target["key"], IntervalResult>> = {};
  for (const target of order) {
    const r = await runInterval(target, name, tasks, seconds, probe);
    intervals.push(r);
    pair[target.key] = r;
  }
  return pair;
}

try {
  if (wanted("light")) await both("light", 10, quick ? 10 : 20);
  // API scenarios on a server that no heavy load has left objects and history behind.
  if (wanted("creation")) api.push(await runCreation(belfry, receiver.url, quick ? 300 : 800));
  if (wanted("listing"))
    api.push(await runListing(belfry, ADMIN_TOKEN, receiver.url, quick ? 2_000 : 10_000));
  const steady = wanted("steady") ? await both("steady", 300, quick ? 10 : 30) : {};
  // The steady load once more, Belfry first: CPU per call is also compared over both pairs, so
  // a drift of the machine during one of them weighs on both systems alike.
  if (wanted("steady")) await both(STEADY_AGAIN, 300, quick ? 10 : 30, undefined, [belfry, floor]);
  if (wantedLong("ramp")) {
    for (const target of [floor, belfry]) {
      const ramp = await runRamp(target, steady[target.key], quick ? 10 : 15);
      intervals.push(...ramp.steps);
      ramps[target.key] = ramp.held;
    }
  }
  if (wantedLong("overload")) {
    await both("overload", OVERLOAD.tasks, OVERLOAD.seconds, {
      tasks: OVERLOAD.probeTasks,
      seconds: OVERLOAD.seconds + (quick ? 30 : OVERLOAD.probeAfterSeconds),
    });
  }
} catch (error) {
  failed = true;
  console.error(error);
  console.error(`Belfry's output (tail):\n${belfryServer.output().slice(-3000)}`);
  console.error(`The floor's output (tail):\n${floorServer.output().slice(-1000)}`);
} finally {
  await receiver.close();
  await Promise.all([belfryServer.stop(), floorServer.stop()]);
  rmSync(belfryServer.persistTo, { recursive: true, force: true });
  rmSync(floorServer.persistTo, { recursive: true, force: true });
}

const revision = commit();
console.log(
  `\nBelfry bench${quick ? " (quick)" : ""} — commit ${revision}, ${new Date().toISOString()}; ` +
    `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}; state in ${stateRoot}; tasks created ≥ ${LEAD_MS / 1000} s ahead\n` +
    "lateness = arrival at the receiver − the call's scheduled-time header, in ms; " +
    "cpu-ms/call over every process of the server, idle CPU subtracted\n",
);
printTable(
  [
    "scenario",
    "system",
    "expected",
    "received",
    "off-grid",
    "missing",
    "recorded",
    "p50",
    "p90",
    "p99",
    "max",
    "cpu-ms/call",
    "rss-MiB",
    "D1-B/call",
  ],
  intervals.map((r) => [
    r.scenario,
    r.system,
    String(r.expected),
    String(r.received),
    String(r.offGrid),
    String(r.missing),
    r.recorded === null ? "-" : String(r.recorded),
    String(r.lateness.p50),
    String(r.lateness.p90),
    String(r.lateness.p99),
    String(r.lateness.max),
    String(r.cpuMsPerCall),
    String(r.peakRssMiB),
    r.history ? String(Math.round(r.history.bytes / (r.meter.calls || r.received || 1))) : "-",
  ]),
);
for (const r of intervals) {
  const { first, between, last } = r.p99ByPlace;
  console.log(
    `${r.scenario} ${r.system}: p99 lateness of each task's first call ${first} ms, ` +
      `of its last ${last} ms, of the calls between ${between} ms`,
  );
  if (r.overload) {
    const o = r.overload;
    console.log(
      `${r.scenario} ${r.system}: last call ${o.drainSeconds} s after the load's last grid point; ` +
        `lateness within ${P99_BAR_MS} ms ${o.recoverySeconds === null ? "not again within the probe" : `${o.recoverySeconds} s after the load`}; ` +
        `probe p99 over its last 10 s: ${o.probeTailP99} ms`,
    );
  }
  if (r.note) console.log(`${r.scenario} ${r.system}: ${r.note}`);
}

if (api.length > 0) {
  console.log("");
  printTable(
    ["scenario", "count", "p50", "p90", "p99", "max", "rate/s", "cpu-s", "rss-MiB"],
    api.map((r) => [
      r.scenario,
      String(r.count),
      String(r.latency.p50),
      String(r.latency.p90),
      String(r.latency.p99),
      String(r.latency.max),
      String(r.rate),
      String(r.cpuSeconds),
      String(r.peakRssMiB),
    ]),
  );
  for (const r of api) console.log(`${r.scenario}: ${r.note}`);
}

/**
 * A system's CPU per call over some scenarios, all their CPU over all their calls; null unless
 * it ran each of them, and when its CPU is 0 (the idle CPU measured before the load swallowed
 * the load's).
 */
function cpuMsPerCall(system: Target["key"], scenarios: string[]): number | null {
  const runs = intervals.filter((r) => r.system === system && scenarios.includes(r.scenario));
  const calls = runs.reduce((n, r) => n + r.received, 0);
  const cpuSeconds = runs.reduce((t, r) => t + r.cpuSeconds, 0);
  if (runs.length < scenarios.length || calls === 0 || cpuSeconds <= 0) return null;
  return (1000 * cpuSeconds) / calls;
}
/** Belfry's CPU per call over `scenarios` as a multiple of the floor's, where both ran them. */
function relativeCpu(scenarios: string[]): number | null {
  const belfryMs = cpuMsPerCall("belfry", scenarios);
  const floorMs = cpuMsPerCall("floor", scenarios);
  return belfryMs !== null && floorMs !== null ? round(belfryMs / floorMs) : null;
}
/** Belfry relative to the floor: per scenario both ran, and over both steady pairs. */
const relative: Record<string, number> = {};
const belfryScenarios = intervals.filter((r) => r.system === "belfry").map((r) => r.scenario);
for (const scenario of new Set(belfryScenarios)) {
  const ratio = relativeCpu([scenario]);
  if (ratio !== null) relative[scenario] = ratio;
}
const overBothPairs = relativeCpu(["steady", STEADY_AGAIN]);
if (overBothPairs !== null) relative["steady, both pairs"] = overBothPairs;
if (Object.keys(relative).length > 0 || Object.keys(ramps).length > 0) {
  console.log("\nBelfry relative to the floor:");
  for (const [scenario, ratio] of Object.entries(relative)) {
    console.log(`  CPU per call, ${scenario}: ${ratio}× the floor's`);
  }
  if (Object.keys(ramps).length > 0) {
    const fmt = (n: number | null | undefined) => (n ? `${n}/s` : "none");
    const ratio =
      ramps.belfry && ramps.floor
        ? ` (${Math.round((100 * ramps.belfry) / ramps.floor)} % of the floor's)`
        : "";
    console.log(
      `  highest rate holding p99 ≤ ${P99_BAR_MS} ms, every call on its grid point: ` +
        `Belfry ${fmt(ramps.belfry)}, floor ${fmt(ramps.floor)}${ratio}`,
    );
  }
}

/** Prices from the steady scenario (else the largest other one that is not the overload). */
function priceSource(system: Target["key"]): IntervalResult | undefined {
  const own = intervals.filter((r) => r.system === system && r.scenario !== "overload");
  return own.find((r) => r.scenario === "steady") ?? own.sort((a, b) => b.received - a.received)[0];
}
const belfrySource = priceSource("belfry");
const floorSource = priceSource("floor");
let price: object | null = null;
if (belfrySource && floorSource) {
  const lightOf = (system: Target["key"], fallback: IntervalResult) =>
    intervals.find((r) => r.system === system && r.scenario === "light") ?? fallback;
  const belfryWall = lightOf("belfry", belfrySource);
  const floorPer = perCall(floorSource, lightOf("floor", floorSource));
  const belfryPer = perCall(belfrySource, belfryWall);
  const bLines = pricePerMillion(belfryPer, retentionDays);
  const fLines = pricePerMillion(floorPer, retentionDays);
  console.log(
    `\nBillable operations of one call (${belfrySource.scenario}; meter difference ÷ calls made):`,
  );
  printTable(
    ["operation", "", "Belfry", "floor"],
    (
      [
        ["DO requests", "doRequests"],
        ["DO rows written", "doRowsWritten"],
        ["setAlarm calls", "doAlarmWrites"],
        ["DO wall time ms", "doWallMs"],
        ["D1 rows written", "d1RowsWritten"],
        ["D1 rows of the later purge", "d1PurgeRows"],
        ["Queue messages", "queueMessages"],
        ["Queue bytes", "queueBytes"],
        ["D1 bytes stored", "d1Bytes"],
      ] as const
    ).map(([label, key]) => [
      label,
      "",
      String(round(belfryPer[key], 3)),
      String(round(floorPer[key], 3)),
    ]),
  );
  if (!belfrySource.meter.calls) {
    console.log("  (Belfry's meter counted no calls: this build does not meter its operations)");
  }
  console.log(
    `  (DO wall time from ${belfryWall.scenario}: the time an alarm takes while the server is not saturated)`,
  );
  console.log(
    `\nPrice of one million calls at Workers Paid list prices (history kept ${retentionDays} days):`,
  );
  printTable(
    ["item", "", "Belfry $", "floor $"],
    bLines.map((line, i) => [
      line.item,
      "",
      round(line.usdPerMillionCalls, 4).toFixed(4),
      round(fLines[i]?.usdPerMillionCalls ?? 0, 4).toFixed(4),
    ]),
  );
  const sum = (lines: typeof bLines) => lines.reduce((s, l) => s + l.usdPerMillionCalls, 0);
  console.log(
    `total: Belfry $${sum(bLines).toFixed(2)} per million calls, floor $${sum(fLines).toFixed(2)}; ` +
      ANCHORS.map((a) => `${a.name} $${a.usdPerMillion}`).join(", "),
  );
  price = {
    retentionDays,
    source: belfrySource.scenario,
    belfry: { perCall: belfryPer, lines: bLines, total: round(sum(bLines), 4) },
    floor: { perCall: floorPer, lines: fLines, total: round(sum(fLines), 4) },
    anchors: ANCHORS,
  };
}

mkdirSync("bench/results", { recursive: true });
const out = `bench/results/${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(
  out,
  JSON.stringify(
    {
      quick,
      commit: revision,
      date: new Date().toISOString(),
      machine: { cores: cpus().length, model: cpus()[0]?.model, node: process.version },
      intervals,
      api,
      ramps,
      relative,
      price,
    },
    null,
    2,
  ),
);
console.log(`\nwrote ${out}`);
/** The ramp probes past the limit on purpose; every other scenario must lose nothing. */
const deficient = intervals.filter(
  (r) =>
    !r.scenario.startsWith("ramp") &&
    (r.missing > 0 || r.offGrid > 0 || (r.recorded !== null && r.recorded < r.expected)),
);
if (deficient.length > 0) {
  console.error(
    `calls missing, off their grid or not recorded in: ${deficient.map((r) => `${r.scenario} (${r.system})`).join(", ")}`,
  );
  failed = true;
}
process.exit(failed ? 1 : 0);
