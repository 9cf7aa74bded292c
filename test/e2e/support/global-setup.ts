import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { startDevServer } from "../../../scripts/dev-server";
import { startReceiver } from "../../support/receiver";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * One `npm run dev` server and one loopback receiver for the end-to-end files that need no
 * server of their own (each test makes its own tasks), and the CLI built as `npm ci` builds it
 * (the `prepare` script), so the tests run what users run.
 */
export default async function setup(project: TestProject) {
  await promisify(execFile)(process.execPath, ["scripts/build-cli.mjs"], { cwd: REPO });
  const receiver = await startReceiver();
  // Short intervals keep schedules quick; attempts reach the history within half a second.
  const dev = await startDevServer({
    vars: { MIN_INTERVAL_MS: "100", HISTORY_FLUSH_MS: "500" },
  });
  project.provide("devUrl", dev.url);
  project.provide("receiverUrl", receiver.url);
  return async () => {
    await dev.stop();
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  };
}
