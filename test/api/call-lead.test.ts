import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { taskObject } from "../../src/task-address";
import { api, bucket, createProject } from "../support/helpers";

describe("a task's object wakes shortly before its call", () => {
  it("sets its alarm 10 ms before the call is due, and an alarm served early makes no call", async () => {
    const { key } = await createProject();
    const target = bucket();
    const begins = Date.now() + 5_000;
    const res = await api<{ payload: { id: string; next_run_at: string } }>(
      "POST",
      "/api/v1/tasks",
      {
        key,
        body: {
          url: target.url,
          schedule: { every: 1_000, occurrences: 2, begins: new Date(begins).toISOString() },
        },
      },
    );
    expect(res.status).toBe(201);
    const { id, next_run_at } = res.json.payload;
    expect(Date.parse(next_run_at)).toBe(begins);
    const stub = taskObject(env, id);
    const alarm = () => runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(await alarm()).toBe(begins - 10);

    // Served seconds before the call's time, the alarm waits for nothing and calls nothing.
    await runDurableObjectAlarm(stub);
    expect(Date.now()).toBeLessThan(begins);
    expect(await target.calls()).toHaveLength(0);
    expect(await alarm()).toBe(begins - 10);
  });
});
