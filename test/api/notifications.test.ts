import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { taskObject } from "../../src/task-address";
import { api, bucket, createProject, waitForTask } from "../support/helpers";

const stubOf = (id: string) => taskObject(env, id);

async function pending(id: string): Promise<{ url: string; tries: number }[]> {
  return runInDurableObject(stubOf(id), (_instance, state) => {
    const exists = state.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'notifications'")
      .one().n;
    if (!exists) return [];
    return state.storage.sql
      .exec<{ url: string; tries: number }>("SELECT url, tries FROM notifications ORDER BY seq")
      .toArray();
  });
}

describe("callbacks and events", () => {
  it("wait in storage while their URL hangs, never delaying the task's calls, and arrive in order once it answers", async () => {
    const { key } = await createProject();
    const target = bucket();
    const hanging = bucket();
    // Accepts the connection and answers nothing for a minute: longer than the 10 s timeout.
    await hanging.program(Array.from({ length: 3 }, () => ({ delay_ms: 60_000 })));
    const begins = Date.now() + 1_000;
    const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key,
      body: {
        url: target.url,
        schedule: { every: 200, occurrences: 10, begins: new Date(begins).toISOString() },
        callback_url: hanging.url,
        events_url: hanging.url,
      },
    });
    expect(res.status).toBe(201);
    const id = res.json.payload.id;
    await waitForTask(key, id, (t) => t.state === "completed", 20_000);

    // The task's own calls stayed on their grid, on time.
    const calls = await target.waitForCalls(10);
    expect(calls).toHaveLength(10);
    for (const [i, call] of calls.entries()) {
      const scheduled = Date.parse(call.headers["belfry-scheduled-at"] ?? "");
      expect(scheduled).toBe(begins + i * 200);
      expect(call.at - scheduled).toBeLessThan(1_000);
    }
    // Every event and callback is kept, in storage, in order: 4 events per call plus a callback.
    const waiting = await pending(id);
    expect(waiting.length).toBe(50);
    expect(waiting.every((n) => n.url === hanging.url)).toBe(true);
    // Only the head was tried: the others wait behind it, nothing piles up in memory.
    expect(waiting.slice(1).every((n) => n.tries === 0)).toBe(true);

    // The URL answers again: the next wake-up delivers everything, in order.
    await hanging.program([]);
    await runInDurableObject(stubOf(id), (_instance, state) => {
      state.storage.sql.exec("UPDATE notifications SET next_at = 0");
    });
    await runDurableObjectAlarm(stubOf(id));
    const deadline = Date.now() + 20_000;
    while ((await pending(id)).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await pending(id)).toEqual([]);
    const received = await hanging.calls();
    const answered = received.slice(-50).map((c) => JSON.parse(c.body) as { type?: string });
    expect(answered.filter((p) => p.type === "job.started")).toHaveLength(10);
    expect(answered.filter((p) => p.type === undefined)).toHaveLength(10); // callbacks
    // In order: each occurrence's events come before the next occurrence's.
    const executions = answered
      .map((p) => (p as { data?: { execution?: number } }).data?.execution)
      .filter((n): n is number => n !== undefined);
    expect(executions).toEqual([...executions].sort((a, b) => a - b));
  });
});
