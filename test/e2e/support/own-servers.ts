import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type DevServer, startDevServer } from "../../../scripts/dev-server";
import { startReceiver } from "../../support/receiver";

/**
 * For a test file that restarts the dev server: a receiver and a local state directory of its
 * own, dev servers started on that state, and all of it stopped and removed after the file.
 */
export function ownServers(name: string) {
  let receiver: { url: string; server: Server } | undefined;
  let persistTo = "";
  const servers: DevServer[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    persistTo = mkdtempSync(join(tmpdir(), `belfry-e2e-${name}-`));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (persistTo) rmSync(persistTo, { recursive: true, force: true });
    receiver?.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      receiver ? receiver.server.close(() => resolve()) : resolve(),
    );
  });

  const receiverUrl = () => {
    if (!receiver) throw new Error("the receiver starts in beforeAll");
    return receiver.url;
  };
  return {
    /** The dev servers started so far, oldest first. */
    started: servers as readonly DevServer[],
    receiverUrl,
    /** A dev server on the file's state; a second one picks up where a killed one stopped. */
    async start(vars?: Record<string, string>): Promise<DevServer> {
      const server = await startDevServer({ persistTo, ...(vars && { vars }) });
      servers.push(server);
      return server;
    },
  };
}
