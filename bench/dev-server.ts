// Local servers for the benchmark: Belfry as `npm run dev` runs it, and the floor Worker
// (bench/floor) under the same `wrangler dev`. Each runs in a process group of its own, so
// its CPU and memory are measured over every process it started (bench/process-stats.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A running local server. */
export interface DevServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Process group id: the launcher, wrangler, workerd and esbuild. */
  pid: number;
  /** The Worker's V8 inspector (for CPU profiles). */
  inspectorPort: number;
  /** Local state directory (`--persist-to`). */
  persistTo: string;
  /** SIGTERM to the whole process group, SIGKILL after a few seconds. */
  stop(): Promise<void>;
  /** The tail of what the server printed. */
  output(): string;
}

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO_ROOT, "node_modules", ".bin");
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 200_000;

/** Groups still alive; killed on exit so an interrupted run leaves nothing behind. */
const liveGroups = new Set<number>();
process.on("exit", () => {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
});

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left in the group
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Spawn `command args` in a new process group and wait until GET /healthz answers 200. */
async function launch(
  name: string,
  command: string,
  args: string[],
  port: number,
  inspectorPort: number,
  persistTo: string,
): Promise<DevServer> {
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    // The repo's own Node and wrangler, whatever the caller's PATH holds.
    env: { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  liveGroups.add(pgid);
  let log = "";
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });

  const server: DevServer = {
    url,
    pid: pgid,
    inspectorPort,
    persistTo,
    output: () => log,
    async stop() {
      if (!liveGroups.has(pgid)) return;
      signalGroup(pgid, "SIGTERM");
      const deadline = Date.now() + STOP_GRACE_MS;
      while (signalGroup(pgid, 0) && Date.now() < deadline) await sleep(50);
      signalGroup(pgid, "SIGKILL");
      liveGroups.delete(pgid);
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await healthy(url))) {
    if (exited || Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name} did not start; output:\n${log.slice(-4_000)}`);
    }
    await sleep(200);
  }
  return server;
}

/** Belfry as `npm run dev` runs it (migrations applied, the sweeper triggered every 30 s). */
export async function startBelfry(persistTo: string, vars: Record<string, string>) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const varFlags = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const args = ["scripts/dev.mjs", "--", "--port", String(port), "--persist-to", persistTo];
  args.push("--inspector-port", String(inspectorPort), ...varFlags);
  return launch("Belfry", join(BIN, "node"), args, port, inspectorPort, persistTo);
}

/** The floor Worker (bench/floor) under the same `wrangler dev`. */
export async function startFloor(persistTo: string) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ["dev", "-c", "bench/floor/wrangler.toml", "--log-level", "warn"];
  args.push("--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo);
  args.push("--inspector-port", String(inspectorPort));
  return launch("the floor", join(BIN, "wrangler"), args, port, inspectorPort, persistTo);
}
