#!/usr/bin/env node
// The `belfry` command. Bundled to dist/belfry.js by `npm run build:cli` (run by `npm ci`).
import { main } from "./program";

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
