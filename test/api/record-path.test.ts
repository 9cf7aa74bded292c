import { createMessageBatch, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AttemptView } from "../../src/core/history";
import type { HistoryCourier } from "../../src/history/courier";
import type { HistoryChunk } from "../../src/history/records";
import { shardFor } from "../../src/history/shards";
import { writeChunks } from "../../src/history/writer";
import worker from "../../src/index";
import { taskObject } from "../../src/task-address";
import { api, bucket, createProject, eventually, waitForTask } from "../support/helpers";

type Page = { payload: { results: AttemptView[]; next_cursor: string | null } };
/** The parts of a TaskObject these tests reach into, to break and mend its bindings. */
type ObjectInternals = { env: Env; history: HistoryCourier };

const stubOf = (id: string) => taskObject(env, id);

async function refuse(): Promise<never> {
  throw new Error("queue unavailable");
}
/** A queue whose every send fails, as during a Queue outage. */
const refusingQueue = { send: refuse, sendBatch: refuse } as unknown as Queue;

/**
 * Give the task object `queue` as its history queue; the answer puts its own back. (The object
 * reads its bindings at use, so a swap takes effect at its next send.)
 */
async function swapQueue(stub: DurableObjectStub, queue: Queue): Promise<() => Promise<void>> {
  const working = await runInDurableObject(stub, (instance) => {
    const object = instance as unknown as ObjectInternals;
    const own = object.env;
    object.env = { ...own, HISTORY: queue };
    return own;
  });
  return () =>
    runInDurableObject(stub, (instance) => {
      (instance as unknown as ObjectInternals).env = working;
    });
}

async function createTask(key: string, body: Record<string, unknown>) {
  const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", { key, body });
  expect(res.status).toBe(201);
  return res.json.payload.id;
}

async function attemptsOf(key: string, id: string, count: number): Promise<AttemptView[]> {
  return eventually(async () => {
    const res = await api<Page>("GET", `/api/v1/tasks/${id}/executions?limit=100`, { key });
    return res.json.payload.results.length >= count ? res.json.payload.results : undefined;
  }, 15_000);
}

/** A task's attempts in D1: the project-wide list reads only D1. */
async function inD1(key: string, id: string): Promise<AttemptView[]> {
  const res = await api<Page>("GET", `/api/v1/executions?task_id=${id}&limit=100`, { key });
  expect(res.status).toBe(200);
  return res.json.payload.results;
}

describe("the record path", () => {
  it("records every attempt of a target answering 16 KiB of control bytes and large headers", async () => {
    const { key } = await createProject();
    const target = bucket();
    const headers = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`x-large-${i}`, "v".repeat(400)]),
    );
    await target.program(
      Array.from({ length: 5 }, () => ({ body: "\u0001".repeat(16 * 1024), headers })),
    );
    const id = await createTask(key, {
      url: target.url,
      schedule: { every: 100, occurrences: 5 },
      retry: { attempts: 1 },
    });
    await waitForTask(key, id, (t) => t.state === "completed");
    const attempts = await attemptsOf(key, id, 5);
    expect(attempts.map((a) => a.number).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const a of attempts) {
      expect(a.status_code).toBe(200);
      expect(a.response.truncated).toBe(true);
      // Cut to HISTORY_BODY_BYTES (1 KiB by default).
      expect(a.response.body.length).toBeLessThanOrEqual(1024);
      expect(a.response.body.length).toBeGreaterThan(0);
    }
  });

  it("keeps records while the queue and then D1 fail, backs off, and delivers them once they recover", async () => {
    const { key } = await createProject();
    const target = bucket();
    const id = await createTask(key, {
      url: target.url,
      schedule: { every: 100, occurrences: 4, begins: new Date(Date.now() + 1_500).toISOString() },
    });
    const stub = stubOf(id);
    const restoreQueue = await swapQueue(stub, refusingQueue);
    await waitForTask(key, id, (t) => t.state === "completed");
    expect(await target.waitForCalls(4)).toHaveLength(4);

    // Every attempt waits in the outbox; each failed try doubles the wait before the next.
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      await runInDurableObject(stub, (instance) => {
        // The wait is over: let the next wake-up try again at once.
        (instance as unknown as ObjectInternals).history.state().retry_at = null;
      });
      await runDurableObjectAlarm(stub);
      waits.push(
        await runInDurableObject(stub, async (instance, state) => {
          const alarm = (await state.storage.getAlarm()) ?? 0;
          const outbox = (instance as unknown as ObjectInternals).history.state();
          expect(outbox.sealed.reduce((n, c) => n + c.count, 0)).toBe(4);
          return alarm - Date.now();
        }),
      );
    }
    expect(waits[1] ?? 0).toBeGreaterThan((waits[0] ?? 0) * 1.5);
    expect(waits[2] ?? 0).toBeGreaterThan((waits[1] ?? 0) * 1.5);
    expect(waits[2] ?? 0).toBeLessThanOrEqual(300_000);
    // Nothing reached D1 (the project-wide list reads only D1); the task's own list shows the
    // attempts its object holds.
    expect(await inD1(key, id)).toHaveLength(0);
    const held = await api<Page>("GET", `/api/v1/tasks/${id}/executions`, { key });
    expect(held.json.payload.results.map((a) => a.number)).toEqual([4, 3, 2, 1]);

    // The queue is back but D1 is not: the writer fails the batch (to be redelivered) and the
    // object, unacknowledged, keeps its records.
    const bodies = await runInDurableObject(stub, (instance) =>
      (instance as unknown as ObjectInternals).history.state().sealed.map((c) => c.body),
    );
    const batch = createMessageBatch(
      "belfry-history",
      bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const broken = (db: D1Database) =>
      new Proxy(db, {
        get: (target, prop) =>
          prop === "batch"
            ? async () => {
                throw new Error("D1 unavailable");
              }
            : Reflect.get(target, prop).bind(target),
      });
    const second = (env as unknown as { HISTORY_B: D1Database }).HISTORY_B;
    const brokenD1 = { ...env, DB: broken(env.DB), HISTORY_B: broken(second) } as Env;
    await expect(worker.queue(batch, brokenD1)).rejects.toThrow("D1 unavailable");
    expect(await inD1(key, id)).toHaveLength(0);

    // Both recover: the object's next wake-up sends again, the writer stores and acknowledges.
    await restoreQueue();
    await runInDurableObject(stub, (instance) => {
      // The backoff is the object's own business; move its retry time to now for the test.
      (instance as unknown as ObjectInternals).history.state().retry_at = null;
    });
    await runDurableObjectAlarm(stub);
    const attempts = await attemptsOf(key, id, 4);
    expect(attempts.map((a) => a.number).sort()).toEqual([1, 2, 3, 4]);
    await eventually(() =>
      runInDurableObject(stub, (instance) =>
        (instance as unknown as ObjectInternals).history.isEmpty() ? true : undefined,
      ),
    );
    // The batch the failed writer saw is redelivered by the queue: writing it again adds nothing.
    const again = createMessageBatch(
      "belfry-history",
      bodies.map((body, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 2, body })),
    );
    await worker.queue(again, env);
    expect(await attemptsOf(key, id, 4)).toHaveLength(4);
  });

  it("sets no alarm for a send under way, and waits for its acknowledgement once it is made", async () => {
    const { key } = await createProject();
    const target = bucket();
    const id = await createTask(key, {
      url: target.url,
      schedule: { every: 100, occurrences: 1, begins: new Date(Date.now() + 1_500).toISOString() },
    });
    const stub = stubOf(id);
    // The queue takes the batch only when the test lets it.
    let release: (() => void) | undefined;
    let sends = 0;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowQueue = {
      sendBatch: async () => {
        sends += 1;
        await held;
      },
    };
    const restoreQueue = await swapQueue(stub, slowQueue as unknown as Queue);
    await target.waitForCalls(1);
    await eventually(async () => (sends > 0 ? true : undefined));
    // The call is done and its record is on its way: nothing for the alarm to do meanwhile.
    const during = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(during).toBeNull();

    release?.();
    // Sent: the object waits for the writer's acknowledgement, and sends again if none comes.
    const after = await eventually(() =>
      runInDurableObject(stub, async (_, state) => (await state.storage.getAlarm()) ?? undefined),
    );
    expect(after - Date.now()).toBeGreaterThan(20_000);
    expect(sends).toBe(1);
    await restoreQueue();
  });

  it("lists the attempts a task's object still holds with D1's, newest first, each once", async () => {
    const { key } = await createProject();
    const target = bucket();
    const id = await createTask(key, {
      url: target.url,
      schedule: { every: 100, occurrences: 6, begins: new Date(Date.now() + 1_000).toISOString() },
      retry: { attempts: 1 },
    });
    const stub = stubOf(id);
    // The object keeps everything: its queue takes nothing.
    await swapQueue(stub, refusingQueue);
    await waitForTask(key, id, (t) => t.state === "completed");
    await target.waitForCalls(6);
    // One sealed chunk reaches D1 without the object hearing of it: it is now in both places.
    const sealed = await runInDurableObject(stub, (instance) =>
      (instance as unknown as ObjectInternals).history.state().sealed.map((c) => c.body),
    );
    const first = sealed[0];
    expect(first).toBeDefined();
    await writeChunks(env, [JSON.parse(first ?? "") as HistoryChunk], { maxPerTask: 1_000 });
    expect((await inD1(key, id)).length).toBeGreaterThan(0);

    const all = await api<Page>("GET", `/api/v1/tasks/${id}/executions?limit=100`, { key });
    expect(all.json.payload.results.map((a) => a.number)).toEqual([6, 5, 4, 3, 2, 1]);
    // Pages of two walk the same list with cursors.
    const numbers: number[] = [];
    let cursor: string | null = null;
    do {
      const path = `/api/v1/tasks/${id}/executions?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page: Page = (await api<Page>("GET", path, { key })).json;
      numbers.push(...page.payload.results.map((a) => a.number));
      cursor = page.payload.next_cursor;
    } while (cursor && numbers.length < 20);
    expect(numbers).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it("spreads history over two shards and lists it per task and project-wide, in order", async () => {
    const { key } = await createProject();
    const target = bucket();
    const ids: string[] = [];
    const shards = new Set<number>();
    while ((shards.size < 2 || ids.length < 3) && ids.length < 20) {
      const id = await createTask(key, {
        url: target.url,
        schedule: { every: 50, occurrences: 3 },
        retry: { attempts: 1 },
      });
      ids.push(id);
      shards.add(shardFor(id, 2));
    }
    expect(shards.size).toBe(2);
    for (const id of ids) await waitForTask(key, id, (t) => t.state === "completed");
    for (const id of ids) {
      await eventually(async () => ((await inD1(key, id)).length >= 3 ? true : undefined), 15_000);
      const attempts = await attemptsOf(key, id, 3);
      expect(attempts.map((a) => a.number)).toEqual([3, 2, 1]);
    }
    const second = (env as unknown as { HISTORY_B: D1Database }).HISTORY_B;
    const onSecond = await second
      .prepare(
        `SELECT DISTINCT task_id FROM history WHERE task_id IN (${ids.map(() => "?").join(",")})`,
      )
      .bind(...ids)
      .all<{ task_id: string }>();
    expect(onSecond.results.map((r) => r.task_id).sort()).toEqual(
      ids.filter((id) => shardFor(id, 2) === 1).sort(),
    );

    // Project-wide, page by page: every attempt once, newest first.
    const seen: AttemptView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const res: { status: number; json: Page } = await api<Page>(
        "GET",
        `/api/v1/executions?limit=4${query}`,
        { key },
      );
      expect(res.status).toBe(200);
      seen.push(...res.json.payload.results);
      cursor = res.json.payload.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(ids.length * 3);
    expect(new Set(seen.map((a) => a.id)).size).toBe(ids.length * 3);
    const started = seen.map((a) => Date.parse(a.started_at));
    expect(started).toEqual([...started].sort((a, b) => b - a));

    const one = ids[0] ?? "";
    const filtered = await api<Page>("GET", `/api/v1/executions?task_id=${one}`, { key });
    expect(filtered.json.payload.results.map((a) => a.task_id)).toEqual([one, one, one]);
    const failures = await api<Page>("GET", "/api/v1/executions?successful=false", { key });
    expect(failures.json.payload.results).toEqual([]);
    // Another project sees none of it.
    const other = await createProject();
    const foreign = await api<Page>("GET", "/api/v1/executions", { key: other.key });
    expect(foreign.json.payload.results).toEqual([]);
  });
});
