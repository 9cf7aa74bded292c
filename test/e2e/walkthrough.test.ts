// The README walkthrough, against a real `npm run dev` server and a loopback receiver.
import { describe, expect, inject, it } from "vitest";
import type { AttemptView } from "../../cli/client";
import { delivery, devClient, listAttempts, pollUntil, receiverBucket } from "./support/client";

/** How far an arrival may stray from the 2 s grid (alarm and dispatch latency on a busy box). */
const SPACING_SLACK_MS = 500;

const devUrl = inject("devUrl");
const receiverUrl = inject("receiverUrl");

describe("README walkthrough", () => {
  it("answers /healthz", async () => {
    const res = await fetch(`${devUrl}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; version: string };
    expect(body.ok).toBe(true);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("runs an every-2s task three times, completes it, and records every attempt", async () => {
    const hook = receiverBucket(receiverUrl);
    const task = await devClient(devUrl).createTask({
      name: "walkthrough",
      url: hook.url,
      schedule: { every: "2s", occurrences: 3 },
    });
    expect(task.state).toBe("active");
    expect(task.status).toBe("running");
    const createdAt = Date.parse(task.created_at);

    const calls = await hook.waitForCalls(3, 15_000);
    const received = calls.map(delivery);
    expect(received.map((d) => [d.taskId, d.execution, d.attempt])).toEqual([
      [task.id, 1, 1],
      [task.id, 2, 1],
      [task.id, 3, 1],
    ]);
    // The grid is created_at + k·2 s, k = 1, 2, 3; nothing fires early, nothing drifts.
    expect(received.map((d) => d.scheduledAt - createdAt)).toEqual([2000, 4000, 6000]);
    for (const d of received) {
      expect(d.at).toBeGreaterThanOrEqual(d.scheduledAt);
      expect(d.at - d.scheduledAt).toBeLessThan(SPACING_SLACK_MS);
    }
    for (let i = 1; i < received.length; i++) {
      const [prev, cur] = [received[i - 1], received[i]];
      if (!prev || !cur) throw new Error("unreachable");
      expect(Math.abs(cur.at - prev.at - 2000)).toBeLessThan(SPACING_SLACK_MS);
    }
    expect(new Set(received.map((d) => d.webhookId)).size).toBe(3);

    const done = await pollUntil(
      () => devClient(devUrl).getTask(task.id),
      (t) => t.status === "completed",
      10_000,
    );
    expect(done).toMatchObject({
      id: task.id,
      status: "completed",
      state: "completed",
      progress: 100,
      executions: { total: 3, succeeded: 3, failed: 0 },
      next_run_at: null,
    });
    expect(done.data).not.toBeNull();

    // History comes through the queue within seconds.
    const attempts = await pollUntil(
      () => listAttempts(devClient(devUrl), task.id),
      (a) => a.length >= 3,
      15_000,
    );
    expect(attempts).toHaveLength(3);
    const byNumber = [...attempts].sort((a, b) => a.number - b.number);
    expect(
      byNumber.map((a: AttemptView) => ({
        number: a.number,
        attempt: a.attempt,
        successful: a.successful,
        status_code: a.status_code,
        execution_id: a.execution_id,
        task_id: a.task_id,
      })),
    ).toEqual(
      received.map((d) => ({
        number: d.execution,
        attempt: 1,
        successful: true,
        status_code: 200,
        execution_id: d.webhookId,
        task_id: task.id,
      })),
    );
    // Newest first.
    expect(attempts.map((a) => a.number)).toEqual([3, 2, 1]);
    // Nothing more arrives after completion.
    expect(await hook.calls()).toHaveLength(3);
  });

  it("cancels a task due far in the future", async () => {
    const hook = receiverBucket(receiverUrl);
    const at = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const client = devClient(devUrl);
    const created = await client.createTask({
      name: "walkthrough-later",
      url: hook.url,
      schedule: { at },
    });
    expect(created).toMatchObject({ state: "active", next_run_at: at });

    const cancelled = await client.cancelTask(created.id);
    expect(cancelled).toMatchObject({ state: "cancelled", status: "completed" });
    expect((await client.getTask(created.id)).state).toBe("cancelled");
    expect(await hook.calls()).toHaveLength(0);
  });
});
