#!/usr/bin/env node
// `npm run deploy`: apply pending D1 migrations to every remote database in wrangler.toml, then
// `wrangler deploy` with any flags given after `--`. Migrations go first so the new code never
// runs against an old schema; they only ever add, so the version still serving meanwhile keeps
// working. Durable Object migrations (`[[migrations]]` in wrangler.toml) are applied by
// `wrangler deploy` itself.
import { spawnSync } from "node:child_process";
import { d1Bindings } from "./d1-bindings.mjs";

const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

for (const binding of d1Bindings()) {
  run("wrangler", ["d1", "migrations", "apply", binding, "--remote"]);
}
run("wrangler", ["deploy", ...args]);
