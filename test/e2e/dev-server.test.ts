// The test and benchmark servers: a port found free can be taken by another process before
// wrangler binds it (test files start servers in parallel, each binding sockets of its own).
import { createServer, type Server } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type DevServer, freePortPair, startWranglerDev } from "../../scripts/dev-server";

// The benchmark's bare Worker: the lightest `wrangler dev` there is, with a /healthz route.
const CONFIG = "bench/floor/wrangler.toml";

let blocker: Server;
let taken: number;
let server: DevServer | undefined;

beforeEach(async () => {
  // Holds the port; drops whoever connects, so nothing mistakes it for a server.
  blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const address = blocker.address();
  if (!address || typeof address === "string") throw new Error("blocker has no port");
  taken = address.port;
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
});

/** Ports as a race would leave them: the first pick has `role` taken, later picks are free. */
function racedPorts(role: "port" | "inspector") {
  const picks: [number, number][] = [];
  const pickPorts = async (): Promise<[number, number]> => {
    const fresh = await freePortPair();
    if (picks.length === 0) fresh[role === "port" ? 0 : 1] = taken;
    picks.push(fresh);
    return fresh;
  };
  return { picks, pickPorts };
}

it.each(["port", "inspector"] as const)(
  "starts on new ports when its %s was taken before wrangler bound it",
  async (role) => {
    const { picks, pickPorts } = racedPorts(role);
    server = await startWranglerDev(CONFIG, { pickPorts });
    expect(picks).toHaveLength(2);
    expect([server.port, server.inspectorPort]).toEqual(picks[1]);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  },
);

it("does not move a port the caller fixed, and says it is in use", async () => {
  await expect(startWranglerDev(CONFIG, { port: taken })).rejects.toThrow(
    /Address already in use|EADDRINUSE/,
  );
});
