#!/usr/bin/env node
// `npm run dev`: Belfry on this machine with local D1, Durable Objects and Queues.
// Creates .dev.vars from the dev-only settings in scripts/dev.env (the admin token, the dev
// project's key, private URLs allowed) when it is missing; applies pending local migrations;
// then runs `wrangler dev` with any flags given after `--`. Because local
// `wrangler dev` never fires cron triggers, this script triggers the sweeper itself every 30 s.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { d1Bindings } from "./d1-bindings.mjs";

const SWEEP_EVERY_MS = 30_000;
const DEV_ENV = "scripts/dev.env";
// `npm run dev -- --port 9000` strips the `--`; `node scripts/dev.mjs -- --port 9000` does not, and
// wrangler would then read every flag after it as a positional and silently ignore them.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));

// wrangler reads .dev.vars beside each config, also for the second Worker of a multi-Worker
// `wrangler dev` (which ignores --env-file), so the dev settings go there.
if (!existsSync(".dev.vars")) {
  copyFileSync(DEV_ENV, ".dev.vars");
  console.log(`Created .dev.vars from ${DEV_ENV}`);
}

function flag(name, fallback) {
  const i = args.indexOf(name);
  if (i >= 0 && args[i + 1]) return args[i + 1];
  const joined = args.find((a) => a.startsWith(`${name}=`));
  return joined ? joined.slice(name.length + 1) : fallback;
}

// Migrations go to the same local state `wrangler dev` will use.
const persistTo = flag("--persist-to", undefined);
for (const binding of d1Bindings()) {
  const migrate = spawnSync(
    "wrangler",
    [
      "d1",
      "migrations",
      "apply",
      binding,
      "--local",
      ...(persistTo ? ["--persist-to", persistTo] : []),
    ],
    { stdio: "inherit", env: { ...process.env, CI: "true" } },
  );
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}
const port = flag("--port", "8787");
const ip = flag("--ip", "127.0.0.1");
const hasLogLevel = args.some((a) => a.startsWith("--log-level"));
const hasIp = args.some((a) => a.startsWith("--ip"));

const wrangler = spawn(
  "wrangler",
  ["dev", ...(hasLogLevel ? [] : ["--log-level", "warn"]), ...(hasIp ? [] : ["--ip", ip]), ...args],
  { stdio: "inherit" },
);

const host = ip === "0.0.0.0" || ip === "*" ? "127.0.0.1" : ip;
const sweeper = setInterval(() => {
  fetch(`http://${host.includes(":") ? `[${host}]` : host}:${port}/cdn-cgi/local/scheduled`).catch(
    () => {},
  );
}, SWEEP_EVERY_MS);

function stop(signal) {
  clearInterval(sweeper);
  wrangler.kill(signal);
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
wrangler.on("exit", (code) => {
  clearInterval(sweeper);
  process.exit(code ?? 0);
});
