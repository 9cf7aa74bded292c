// `npm run bench:profile [-- --tasks 300 --seconds 5] [-- --floor] [-- --heap]`: a CPU profile
// of the Worker (or, with --floor, of the bare alarm loop in bench/floor) under load. Starts a
// dev server and a receiver, runs `--tasks` tasks every second, records a V8 CPU profile of
// workerd through wrangler's inspector for `--seconds`, writes it to
// bench/results/*.cpuprofile (open it in Chrome DevTools) and prints the functions that used
// the most CPU themselves. With --heap it records a sampling heap profile instead
// (*.heapprofile), garbage included, and prints the bytes each function allocates per call.
// Stops everything it started.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDevServer, startWranglerDev } from "../scripts/dev-server.ts";
import { pool } from "./belfry-client.ts";
import { startBenchReceiver } from "./receiver.ts";
import { belfryTarget, floorTarget } from "./targets.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}
interface HeapNode {
  callFrame: ProfileNode["callFrame"];
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspect(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error("the dev server offers no inspector target");
  // wrangler's inspector proxy accepts local origins only.
  const init = { headers: { origin: "http://localhost" } } as unknown as string[];
  const socket = new WebSocket(url, init);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener("error", reject);
  });
  let next = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  return {
    send<T>(method: string, params: object = {}): Promise<T> {
      next += 1;
      const id = next;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve) => pending.set(id, (r) => resolve(r as T)));
    },
    close: () => socket.close(),
  };
}

/** A function as profiles name it: its name, file and line. */
function frameKey(frame: ProfileNode["callFrame"]): string {
  const file = frame.url.split("/").at(-1) ?? "";
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber}`;
}

/** The `count` largest amounts, each printed by `show` beside its function. */
function ranked(self: Map<string, number>, count: number, show: (n: number) => string) {
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => `${show(n)}  ${key}`);
}

/** Share of the samples each function was on the CPU itself, the busiest first. */
function topSelfTime(profile: CpuProfile, count: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const sample of profile.samples) {
    const frame = byId.get(sample)?.callFrame;
    if (!frame) continue;
    const key = frameKey(frame);
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const share = (n: number) => `${((100 * n) / profile.samples.length).toFixed(1).padStart(5)}%`;
  return ranked(self, count, share);
}

/** Bytes allocated per call by the functions that allocated the most themselves. */
function topSelfBytes(profile: HeapProfile, calls: number, count: number): string[] {
  const self = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  const perCall = (bytes: number) => String(Math.round(bytes / calls)).padStart(7);
  return [`${perCall(total)} B per call in all`, ...ranked(self, count, perCall)];
}

const tasks = flag("--tasks", 300);
const seconds = flag("--seconds", 5);
const onFloor = process.argv.includes("--floor");
const onHeap = process.argv.includes("--heap");
const stateRoot = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const persistTo = mkdtempSync(join(stateRoot, "belfry-profile-"));
const server = onFloor
  ? await startWranglerDev("bench/floor/wrangler.toml", { persistTo })
  : await startDevServer({ persistTo, vars: { LOG_ATTEMPTS: "0" } });
const receiver = await startBenchReceiver();
try {
  const target = onFloor ? floorTarget(server) : belfryTarget(server, "dev-admin-token");
  const create = await target.prepare("profile", tasks);
  const base = Math.ceil((Date.now() + 3_000 + tasks * 8) / 1000) * 1000;
  await pool(tasks, 32, (i) =>
    create({
      name: `profile-${i}`,
      url: `${receiver.url}/profile/${i}`,
      body: { i },
      begins: base + Math.floor((i * 1000) / tasks),
      every: 1000,
      occurrences: seconds + 3,
    }),
  );
  // Let the first round (objects waking, secrets loading) pass before measuring.
  await new Promise((r) => setTimeout(r, Math.max(0, base - Date.now()) + 1_500));
  const session = await inspect(server.inspectorPort);
  const system = onFloor ? "the floor" : "Belfry";
  const out = `bench/results/${new Date().toISOString().replace(/[:.]/g, "-")}`;
  mkdirSync("bench/results", { recursive: true });
  if (onHeap) {
    // Every allocation sampled, also what a GC has freed since: what a call costs the GC.
    await session.send("HeapProfiler.enable");
    await session.send("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const from = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const { profile } = await session.send<{ profile: HeapProfile }>("HeapProfiler.stopSampling");
    const to = Date.now();
    session.close();
    const calls = receiver
      .arrivals("profile")
      .calls.filter((c) => c.receivedAt >= from && c.receivedAt <= to).length;
    writeFileSync(`${out}.heapprofile`, JSON.stringify(profile));
    console.log(`${system}: ${tasks} tasks every 1 s; ${calls} calls over ${seconds} s`);
    for (const line of topSelfBytes(profile, Math.max(1, calls), 25)) console.log(line);
    console.log(`\nwrote ${out}.heapprofile`);
  } else {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 500 });
    await session.send("Profiler.start");
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
    session.close();
    writeFileSync(`${out}.cpuprofile`, JSON.stringify(profile));
    console.log(
      `${system}: ${tasks} tasks every 1 s; ${profile.samples.length} samples over ${seconds} s`,
    );
    for (const line of topSelfTime(profile, 25)) console.log(line);
    console.log(`\nwrote ${out}.cpuprofile`);
  }
} finally {
  await receiver.close();
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
