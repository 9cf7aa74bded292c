import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sweep } from "../../src/task/sweeper";
import { taskObject } from "../../src/task-address";
import { api, bucket, createProject, eventually, waitForTask } from "../support/helpers";

const DAY = 86_400_000;
const stubOf = (id: string) => taskObject(env, id);

async function indexRow(id: string) {
  return env.DB.prepare("SELECT state, next_run_at FROM tasks WHERE id = ?")
    .bind(id)
    .first<{ state: string; next_run_at: number | null }>();
}

async function create(key: string, body: Record<string, unknown>): Promise<string> {
  const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", { key, body });
  expect(res.status).toBe(201);
  return res.json.payload.id;
}

describe("the sweeper", () => {
  it("removes a finished task once it has expired, its object storage and index row with it", async () => {
    const { key } = await createProject();
    const id = await create(key, { url: bucket().url, schedule: { delay: 50 } });
    await waitForTask(key, id, (t) => t.state === "completed");
    // The index learns of the completion with the task's history.
    const row = await eventually(async () => {
      const r = await indexRow(id);
      return r?.state === "completed" ? r : undefined;
    });
    // A finished task's row keeps when it expires: FINISHED_TASK_TTL_DAYS after it finished.
    expect(row?.next_run_at).toBeGreaterThan(Date.now() + 29 * DAY);

    await sweep(env, Date.now());
    expect(await indexRow(id)).not.toBeNull();
    // A sweep expires a bounded batch; other tests' finished tasks expire a month on too, so
    // sweep until this one's turn has come (each pass must expire something meanwhile).
    for (let pass = 0; (await indexRow(id)) !== null && pass < 100; pass++) {
      const { expired } = await sweep(env, Date.now() + 31 * DAY);
      expect(expired).toBeGreaterThan(0);
    }
    expect(await indexRow(id)).toBeNull();
    const keys = await runInDurableObject(stubOf(id), (_i, state) => [...state.storage.kv.list()]);
    expect(keys).toEqual([]);
    expect((await api("GET", `/api/v1/tasks/${id}`, { key })).status).toBe(404);
  });

  it("corrects a stale index row and drops one whose object holds no task", async () => {
    const { key, id: projectId } = await createProject();
    const id = await create(key, { url: bucket().url, schedule: { every: "1h" } });
    const truth = (await indexRow(id))?.next_run_at;
    await env.DB.prepare("UPDATE tasks SET next_run_at = ? WHERE id = ?")
      .bind(Date.now() - 10 * 60_000, id)
      .run();
    const orphan = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO tasks (id, project_id, name, state, next_run_at, executions_total, created_at,
       updated_at, version, definition, progress) VALUES (?, ?, NULL, 'active', ?, 0, 0, 0, 1, '{}', '{}')`,
    )
      .bind(orphan, projectId, Date.now() - 10 * 60_000)
      .run();

    const result = await sweep(env, Date.now());
    expect(result.rearmed).toBeGreaterThanOrEqual(2);
    expect((await indexRow(id))?.next_run_at).toBe(truth);
    expect(await indexRow(orphan)).toBeNull();
    // The stale row is no longer overdue: the next sweep leaves it alone.
    const again = await sweep(env, Date.now());
    expect(again.rearmed).toBe(0);
  });

  it("leaves alone a row that lags by no more than the history's own interval and 30 s", async () => {
    const { key } = await createProject();
    const id = await create(key, { url: bucket().url, schedule: { every: "1h" } });
    const truth = (await indexRow(id))?.next_run_at;
    const lagBy = (ms: number) =>
      env.DB.prepare("UPDATE tasks SET next_run_at = ? WHERE id = ?")
        .bind(Date.now() - ms, id)
        .run();
    // With HISTORY_FLUSH_MS at 30 s a healthy fast task's row may lag by that and the queue's
    // delay: 45 s behind is not yet a lost alarm.
    const deployed = { ...env, HISTORY_FLUSH_MS: "30000" };
    await lagBy(45_000);
    await sweep(deployed, Date.now());
    expect((await indexRow(id))?.next_run_at).toBeLessThan(Date.now());
    // 61 s behind is: the object is asked, and the row corrected.
    await lagBy(61_000);
    await sweep(deployed, Date.now());
    expect((await indexRow(id))?.next_run_at).toBe(truth);
  });

  it("still purges when D1 refuses the mended index rows, and mends them on a later sweep", async () => {
    const { key } = await createProject();
    const id = await create(key, { url: bucket().url, schedule: { every: "1h" } });
    const truth = (await indexRow(id))?.next_run_at;
    await env.DB.prepare("UPDATE tasks SET next_run_at = ? WHERE id = ?")
      .bind(Date.now() - 10 * 60_000, id)
      .run();
    const old = Date.now() - 40 * DAY;
    const task = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO history (task_id, created_at, seq, project_id, first_started, last_started,
       attempts, failures, body) VALUES (?, 1, 0, 'p-refused', ?, ?, 1, 0, '[]')`,
    )
      .bind(task, old, old)
      .run();
    // The same database, except that its batches (the sweeper writes its mended rows in one)
    // fail as if D1 were unavailable.
    const refusing = new Proxy(env.DB, {
      get(target, property) {
        if (property === "batch") return () => Promise.reject(new Error("D1 is unavailable"));
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });

    const { purged } = await sweep({ ...env, DB: refusing }, Date.now());
    expect(purged).toBeGreaterThanOrEqual(1);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM history WHERE task_id = ?")
      .bind(task)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect((await indexRow(id))?.next_run_at).toBeLessThan(Date.now());

    await sweep(env, Date.now());
    expect((await indexRow(id))?.next_run_at).toBe(truth);
  });

  it("purges history older than the retention period in bounded steps, keeping the rest", async () => {
    const insert = env.DB.prepare(
      `INSERT INTO history (task_id, created_at, seq, project_id, first_started, last_started,
       attempts, failures, body) VALUES (?, 1, ?, 'p-retention', ?, ?, 1, 0, '[]')`,
    );
    const old = Date.now() - 40 * DAY;
    const recent = Date.now() - DAY;
    const task = crypto.randomUUID();
    await env.DB.batch([
      ...Array.from({ length: 1_200 }, (_, i) => insert.bind(task, i, old, old)),
      insert.bind(task, 5_000, recent, recent),
    ]);
    const { purged } = await sweep(env, Date.now());
    expect(purged).toBe(1_200);
    const left = await env.DB.prepare("SELECT seq FROM history WHERE task_id = ?")
      .bind(task)
      .all<{ seq: number }>();
    expect(left.results.map((r) => r.seq)).toEqual([5_000]);
  });
});
