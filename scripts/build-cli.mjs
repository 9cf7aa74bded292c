#!/usr/bin/env node
// Bundle the `belfry` CLI (cli/index.ts and what it imports) into one plain-JS file that runs on
// Node 20 or later, so `npm link` and `npx belfry` need no TypeScript at run time.
// Run by `npm run build:cli`, and by `npm ci` through the `prepare` script, which passes
// --if-available so an install without dev dependencies (no esbuild) still succeeds.
import { chmodSync } from "node:fs";

const outfile = "dist/belfry.js";
let esbuild;
try {
  esbuild = await import("esbuild");
} catch (error) {
  if (!process.argv.includes("--if-available")) throw error;
  console.warn("build-cli: esbuild is not installed; the belfry CLI was not built");
  process.exit(0);
}
await esbuild.build({
  entryPoints: ["cli/index.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
