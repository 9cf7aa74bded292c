#!/usr/bin/env node
// Build what the package exports for Node: the `belfry` CLI (cli/index.ts and what it imports)
// bundled into one plain-JS file that runs on Node 20 or later, so `npm link` and `npx belfry`
// need no TypeScript at run time; and the typed client (`belfry/client`) as JavaScript with its
// type declarations.
// Run by `npm run build:cli`, and by `npm ci` through the `prepare` script, which passes
// --if-available so an install without dev dependencies (no esbuild) still succeeds.
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const cli = "dist/belfry.js";
let esbuild;
try {
  esbuild = await import("esbuild");
} catch (error) {
  if (!process.argv.includes("--if-available")) throw error;
  console.warn("build-cli: esbuild is not installed; the belfry CLI was not built");
  process.exit(0);
}
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
};
await esbuild.build({ ...common, entryPoints: ["cli/index.ts"], outfile: cli });
chmodSync(cli, 0o755);
await esbuild.build({ ...common, entryPoints: ["cli/client.ts"], outfile: "dist/client.js" });

// Declarations follow the client's type imports into src/, so its request and answer types stay
// those of the server's schemas.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const declarations = spawnSync(process.execPath, [tsc, "-p", "tsconfig.client.json"], {
  stdio: "inherit",
});
if (declarations.status !== 0) process.exit(declarations.status ?? 1);

// The sources import each other without extensions (bundler resolution); a consumer resolving
// with `node16`/`nodenext` needs them, and `./x.js` finds `./x.d.ts` under either resolution.
for (const file of readdirSync("dist/types", { recursive: true, encoding: "utf8" })) {
  if (!file.endsWith(".d.ts")) continue;
  const path = `dist/types/${file}`;
  const text = readFileSync(path, "utf8").replace(
    /(from |import\()"(\.{1,2}\/[^"]+?)(?<!\.js)"/g,
    '$1"$2.js"',
  );
  writeFileSync(path, text);
}
