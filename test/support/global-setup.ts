import type { TestProject } from "vitest/node";
import { startReceiver } from "./receiver";

/** Start the loopback receiver every runtime test sends its calls to. */
export default async function setup(project: TestProject) {
  const { url, server } = await startReceiver();
  project.provide("receiverUrl", url);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
