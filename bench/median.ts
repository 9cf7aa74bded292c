// `node bench/median.ts bench/results/<a>.json <b>.json <c>.json`: the median of several full
// `npm run bench` runs, as the Markdown table and lines docs/performance.md shows. Counts that
// must hold in every run (calls received, on the grid, recorded) are shown as their worst run.
// Refuses runs of different commits or of a modified tree: a figure states one commit.
import { readFileSync } from "node:fs";

interface Interval {
  scenario: string;
  system: "belfry" | "floor";
  expected: number;
  received: number;
  offGrid: number;
  recorded: number | null;
  lateness: { p50: number; p99: number };
  cpuMsPerCall: number;
  meter: Record<string, number>;
  history: { bytes: number } | null;
  overload?: { drainSeconds: number; recoverySeconds: number | null };
}

interface Run {
  commit: string;
  date: string;
  quick: boolean;
  intervals: Interval[];
  api: { scenario: string; rate: number; latency: { p99: number } }[];
  ramps: Record<string, number | null>;
  relative: Record<string, number>;
  price: { belfry: { total: number; perCall: Record<string, number> }; floor: { total: number } };
}

const files = process.argv.slice(2);
if (files.length < 2) throw new Error("name two or more bench/results/*.json files");
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Run);
const commits = new Set(runs.map((r) => r.commit));
if (commits.size !== 1 || [...commits][0]?.includes("modified")) {
  throw new Error(`runs of one unmodified commit only; got ${[...commits].join(", ")}`);
}
if (runs.some((r) => r.quick)) throw new Error("full runs only, not --quick");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m =
    sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(m * 100) / 100;
}

const fmt = (n: number) => n.toLocaleString("en-US").replace(/,/g, " ");

/** The scenarios every run has for `system`, in the first run's order. */
function shared(system: string): string[] {
  const [first, ...rest] = runs;
  return (first?.intervals ?? [])
    .filter((i) => i.system === system)
    .map((i) => i.scenario)
    .filter((s) =>
      rest.every((r) => r.intervals.some((i) => i.scenario === s && i.system === system)),
    );
}

const rows: string[] = [];
const order = [...new Set([...shared("floor"), ...shared("belfry")])];
for (const scenario of order) {
  for (const system of ["floor", "belfry"] as const) {
    const all = runs
      .map((r) => r.intervals.find((i) => i.scenario === scenario && i.system === system))
      .filter((i): i is Interval => i !== undefined);
    if (all.length !== runs.length) continue;
    const first = all[0];
    if (!first) continue;
    const received = Math.min(...all.map((i) => i.received));
    const recorded = system === "floor" ? "–" : fmt(Math.min(...all.map((i) => i.recorded ?? 0)));
    const bytes =
      system === "floor"
        ? "–"
        : String(
            Math.round(
              median(all.map((i) => (i.history?.bytes ?? 0) / (i.meter.calls || i.received || 1))),
            ),
          );
    rows.push(
      `| ${scenario} | ${system === "floor" ? "floor" : "Belfry"} | ${fmt(received)} / ${fmt(first.expected)} | ${Math.max(...all.map((i) => i.offGrid))} | ${recorded} | ${median(all.map((i) => i.lateness.p50))} | ${median(all.map((i) => i.lateness.p99))} | ${median(all.map((i) => i.cpuMsPerCall))} | ${bytes} |`,
    );
  }
}

console.log(
  `Median of ${runs.length} full runs of ${[...commits][0]}: ${runs.map((r) => r.date).join(", ")}\n`,
);
console.log(
  "| scenario | system | received / expected | off-grid | recorded | p50 ms | p99 ms | cpu-ms/call | D1 B/call |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
console.log("");
for (const scenario of Object.keys(runs[0]?.relative ?? {})) {
  const each = runs.map((r) => r.relative[scenario]).filter((v): v is number => v !== undefined);
  console.log(
    `- CPU per call, ${scenario}: ${median(each)}× the floor's (runs: ${each.join(", ")})`,
  );
}
const ramp = (system: string) => runs.map((r) => r.ramps[system] ?? 0);
// The bar compares the two in one run, so each run's share is shown beside the medians.
const shares = runs.map((r) =>
  r.ramps.floor ? `${Math.round((100 * (r.ramps.belfry ?? 0)) / r.ramps.floor)} %` : "–",
);
console.log(
  `- Highest rate holding p99 ≤ 100 ms: Belfry ${median(ramp("belfry"))}/s (runs: ${ramp("belfry").join(", ")}), floor ${median(ramp("floor"))}/s (runs: ${ramp("floor").join(", ")}); Belfry's share of the floor's per run: ${shares.join(", ")}`,
);
for (const system of ["floor", "belfry"] as const) {
  const over = runs.map(
    (r) => r.intervals.find((i) => i.scenario === "overload" && i.system === system)?.overload,
  );
  if (over.some((o) => !o)) continue;
  const recovery = over.map((o) => o?.recoverySeconds ?? Number.POSITIVE_INFINITY);
  console.log(
    `- Overload, ${system}: last call ${median(over.map((o) => o?.drainSeconds ?? 0))} s after the load's last grid point; lateness within 100 ms after ${median(recovery)} s (runs: ${recovery.join(", ")})`,
  );
}
for (const scenario of ["creation", "listing"]) {
  const each = runs
    .map((r) => r.api.find((a) => a.scenario === scenario))
    .filter((a) => a !== undefined);
  if (each.length !== runs.length) continue;
  console.log(
    `- ${scenario}: ${median(each.map((a) => a.rate))}/s, p99 ${median(each.map((a) => a.latency.p99))} ms`,
  );
}
const perCall = (key: string) => median(runs.map((r) => r.price.belfry.perCall[key] ?? 0));
console.log(
  `- Price per million calls: Belfry $${median(runs.map((r) => r.price.belfry.total))}, floor $${median(runs.map((r) => r.price.floor.total))}; per call ${perCall("doRequests")} DO requests, ${perCall("doRowsWritten")} DO rows, ${perCall("d1RowsWritten")} D1 rows (+ ${perCall("d1PurgeRows")} purge), ${perCall("queueMessages")} Queue messages, ${Math.round(perCall("d1Bytes"))} D1 bytes`,
);
