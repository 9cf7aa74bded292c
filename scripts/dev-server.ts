// Local servers under `wrangler dev`, for the end-to-end tests and the benchmark: Belfry as
// `npm run dev` runs it, or another Worker config (the benchmark's floor). Each runs in a
// process group of its own, so it can be measured and stopped as a whole (wrangler, workerd
// and esbuild), and killed at once as a crash would.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A running local server. */
export interface DevServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** Process group id of the server (the launcher, wrangler, workerd), for measuring it. */
  pid: number;
  /** The Worker's V8 inspector (for CPU profiles). */
  inspectorPort: number;
  /** Local state directory (`--persist-to`); reuse it to start the server again on the same data. */
  persistTo: string;
  /** Stop gracefully: SIGTERM to the whole process group, SIGKILL after a few seconds. */
  stop(): Promise<void>;
  /** SIGKILL the whole process group at once, as a crash would. */
  kill(): Promise<void>;
  /** Everything the server printed so far (stdout and stderr interleaved, tail only). */
  output(): string;
}

export interface DevServerOptions {
  /** Local state directory; a fresh temporary one (removed on stop) by default. */
  persistTo?: string;
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Extra Worker variables, passed as `--var KEY:VALUE`. */
  vars?: Record<string, string>;
  /** Finds the port and the inspector port when `port` is not given: two free ones by default. */
  pickPorts?: () => Promise<[number, number]>;
  /** More `wrangler dev` flags, e.g. `["-c", "other/wrangler.toml", "-c", "wrangler.toml"]`. */
  wranglerArgs?: string[];
}

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO_ROOT, "node_modules", ".bin");
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 1_000_000;
const PORT_ATTEMPTS = 3;
/** How wrangler and workerd report a socket they could not bind. */
const ADDRESS_IN_USE = /Address already in use|EADDRINUSE/;

/** Process groups still alive; killed on exit so a failing or interrupted run leaves nothing. */
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  try {
    return await listenAnywhere(server);
  } finally {
    await close(server);
  }
}

/** Two distinct free ports: the first stays held while the OS picks the second. */
export async function freePortPair(): Promise<[number, number]> {
  const first = createServer();
  const second = createServer();
  try {
    return [await listenAnywhere(first), await listenAnywhere(second)];
  } finally {
    await Promise.all([close(first), close(second)]);
  }
}

async function listenAnywhere(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Wait until every process of the group is gone (wrangler's workerd children included). */
async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pgid, 0)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
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

/**
 * Start Belfry the way `npm run dev` does (scripts/dev.mjs on the repo's Node, wrangler from
 * node_modules/.bin) on a free port, and wait until /healthz answers.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  return launch("dev server", join(BIN, "node"), ["scripts/dev.mjs", "--"], options);
}

/** Start `wrangler dev -c config` (a Worker with a /healthz route) and wait until it answers. */
export async function startWranglerDev(
  config: string,
  options: DevServerOptions = {},
): Promise<DevServer> {
  const args = ["dev", "-c", config, "--log-level", "warn", "--ip", "127.0.0.1"];
  return launch(config, join(BIN, "wrangler"), args, options);
}

/**
 * Spawn `command args` with the server flags in a new process group; wait until it is healthy.
 * A port found free can be taken by another process before wrangler binds it (servers started
 * in parallel bind many sockets of their own), so a start that fails on a port in use is tried
 * again on new ports, as long as the caller did not fix the port.
 */
async function launch(
  name: string,
  command: string,
  args: string[],
  options: DevServerOptions,
): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    const [port, inspectorPort] = await (options.pickPorts ?? freePortPair)();
    try {
      return await launchOn(name, command, args, options, options.port ?? port, inspectorPort);
    } catch (error) {
      const portTaken = error instanceof PortInUseError && options.port === undefined;
      if (!portTaken || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

/** A server that exited because one of its addresses was already in use. */
class PortInUseError extends Error {}

async function launchOn(
  name: string,
  command: string,
  args: string[],
  options: DevServerOptions,
  port: number,
  // Each server gets its own inspector port, so servers started in parallel never share one.
  inspectorPort: number,
): Promise<DevServer> {
  const ownDir = options.persistTo === undefined;
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "belfry-dev-"));
  const url = `http://127.0.0.1:${port}`;
  const varFlags = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const serverArgs = ["--port", String(port), "--persist-to", persistTo];
  serverArgs.push("--inspector-port", String(inspectorPort), ...varFlags);

  const child: ChildProcess = spawn(
    command,
    [...args, ...serverArgs, ...(options.wranglerArgs ?? [])],
    {
      cwd: REPO_ROOT,
      // The repo's own Node and wrangler, whatever the caller's PATH holds.
      env: {
        ...process.env,
        PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`,
        FORCE_COLOR: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
      // A new process group (setsid), so the whole tree — wrangler and workerd — can be signalled.
      detached: true,
    },
  );
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  liveGroups.add(pgid);

  let log = "";
  const append = (chunk: Buffer) => {
    log += chunk.toString("utf8");
    if (log.length > OUTPUT_LIMIT) log = log.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      append(Buffer.from(`\n[${name} exited: code ${code}, signal ${signal}]\n`));
      resolve();
    });
  });

  let finished = false;
  const finish = async (signal: "SIGTERM" | "SIGKILL") => {
    if (finished) return;
    finished = true;
    signalGroup(pgid, signal);
    if (signal === "SIGTERM" && !(await groupGone(pgid, STOP_GRACE_MS))) {
      signalGroup(pgid, "SIGKILL");
    }
    await Promise.race([exit, sleep(STOP_GRACE_MS)]);
    if (!(await groupGone(pgid, STOP_GRACE_MS))) {
      append(Buffer.from(`\n[${name}: process group ${pgid} still has members]\n`));
    }
    liveGroups.delete(pgid);
    child.stdout?.destroy();
    child.stderr?.destroy();
  };

  const server: DevServer = {
    url,
    port,
    pid: pgid,
    inspectorPort,
    persistTo,
    output: () => log,
    kill: () => finish("SIGKILL"),
    async stop() {
      await finish("SIGTERM");
      if (ownDir) rmSync(persistTo, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await healthy(url))) {
    if (exited || Date.now() > deadline) {
      await server.stop();
      const why = exited ? "exited before it was ready" : `not ready within ${READY_TIMEOUT_MS} ms`;
      const message = `${name} ${why}; output:\n${log.slice(-4_000)}`;
      throw exited && ADDRESS_IN_USE.test(log) ? new PortInUseError(message) : new Error(message);
    }
    await sleep(200);
  }
  return server;
}
