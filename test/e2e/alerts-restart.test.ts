// Alerts survive a crash (docs/operations.md, "Alerts"): a task paused by its failure policy
// raises its alerts while the destination is down; the dev server is SIGKILLed and started
// again on the same local state; once the destination answers, every alert arrives, signed,
// in order, each under the webhook-id it was first tried with.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { Alert } from "../../cli/client";
import { verifyCall } from "../support/signed-calls";
import { devClient, pollUntil, receiverBucket } from "./support/client";
import { ownServers } from "./support/own-servers";

/** The dev project's signing secret, as scripts/dev.env sets it. */
const DEV_SECRET =
  /^BELFRY_DEV_SIGNING_SECRET=(.+)$/m.exec(readFileSync("scripts/dev.env", "utf8"))?.[1] ?? "";

const own = ownServers("alerts");

it("alerts raised while the destination is down arrive after a restart, signed and in order", async () => {
  expect(DEV_SECRET).toMatch(/^whsec_/);
  const first = await own.start();
  const client = devClient(first.url);
  const destination = receiverBucket(own.receiverUrl());
  const target = receiverBucket(own.receiverUrl());
  await destination.program(Array.from({ length: 100 }, () => ({ status: 503 })));
  await target.program([{ status: 500 }, { status: 500 }]);
  await client.setAlerts({ url: destination.url });

  const task = await client.createTask({
    name: "alerts-restart",
    url: target.url,
    schedule: { every: "1s" },
    retry: { attempts: 1 },
    pause_after_failures: 2,
  });
  const paused = await pollUntil(
    () => client.getTask(task.id),
    (t) => t.state === "paused",
    30_000,
  );
  expect(paused).toMatchObject({ paused_reason: "failures", consecutive_failures: 2 });
  // The destination refused at least one delivery before the crash.
  const refused = await destination.waitForCalls(1, 30_000);
  expect(refused.length).toBeGreaterThanOrEqual(1);

  await first.kill();
  await destination.program([]);
  await own.start();

  const calls = await pollUntil(
    () => destination.calls(),
    (all) => new Set(all.slice(refused.length).map((c) => c.headers["webhook-id"])).size >= 3,
    90_000,
  );
  // Every answered delivery after the first 503s: each alert's last try is the one answered.
  const answered = new Map<string, Alert>();
  for (const call of calls) {
    const alert = verifyCall(DEV_SECRET, call) as Alert;
    answered.set(call.headers["webhook-id"] ?? "", alert);
  }
  expect([...answered.values()].map((a) => a.type)).toEqual([
    "occurrence.failed",
    "occurrence.failed",
    "task.paused",
  ]);
  expect([...answered.values()].every((a) => a.task.id === task.id)).toBe(true);
  // The first alert was tried before the crash and arrived after it under the same webhook-id.
  expect(answered.has(refused[0]?.headers["webhook-id"] ?? "")).toBe(true);
  expect(await target.calls()).toHaveLength(2);
});
