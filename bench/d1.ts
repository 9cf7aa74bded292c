import { spawnSync } from "node:child_process";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO_ROOT, "node_modules", ".bin");
const WRANGLER = join(BIN, "wrangler");

function wrangler(args: string[]): string {
  const result = spawnSync(WRANGLER, args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    // The repo's own Node (wrangler needs a newer one than the system may have).
    env: { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`, CI: "true" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`wrangler ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

/** Run a SQL file against the local D1 of a dev server's state directory. */
export function executeLocalD1File(persistTo: string, file: string): void {
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--yes", "--file", file]);
}
