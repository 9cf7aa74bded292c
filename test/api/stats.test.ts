import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { HistoryChunk } from "../../src/history/records";
import { purgeStatsBefore } from "../../src/history/stats";
import worker from "../../src/index";
import type { ProjectStats as Stats } from "../../src/wire/answers";
import { api, bucket, createProject, eventually, waitForTask } from "../support/helpers";

async function stats(key: string, window = "1h"): Promise<Stats> {
  const res = await api<{ payload: Stats }>("GET", `/api/v1/stats?window=${window}`, { key });
  expect(res.status).toBe(200);
  return res.json.payload;
}

/** A chunk as a task object would send it: `attempts` first attempts of `status`, `lateMs` late. */
function chunk(projectId: string, startedAt: number, attempts: number, status = 200, lateMs = 3) {
  const taskId = crypto.randomUUID();
  return {
    task_id: taskId,
    project_id: projectId,
    created_at: startedAt - 60_000,
    shard: 0,
    seq: 0,
    attempts: Array.from({ length: attempts }, (_, i) => [
      `:${i}`,
      i + 1,
      1,
      startedAt + i - lateMs,
      startedAt + i,
      5,
      status,
      null,
      {},
      "",
      (status < 300 ? 1 : 0) | 4,
    ]),
  } satisfies HistoryChunk;
}

function deliver(chunks: HistoryChunk[]) {
  const batch = createMessageBatch(
    "belfry-history",
    chunks.map((c, i) => ({
      id: `m${i}-${crypto.randomUUID()}`,
      timestamp: new Date(),
      attempts: 1,
      body: JSON.stringify(c),
    })),
  );
  return worker.queue(batch, env);
}

describe("GET /api/v1/stats", () => {
  it("counts the project's tasks by state and its executions, outcomes and lateness", async () => {
    const { key } = await createProject();
    const ok = bucket();
    const failing = bucket();
    await failing.program([{ status: 500 }, { status: 500 }]);
    const create = async (url: string) => {
      const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
        key,
        body: { url, schedule: { every: 100, occurrences: 2 }, retry: { attempts: 1 } },
      });
      expect(res.status).toBe(201);
      return res.json.payload.id;
    };
    const [a, b] = [await create(ok.url), await create(failing.url)];
    const paused = await create(ok.url);
    await api("POST", `/api/v1/tasks/${paused}/pause`, { key });
    await waitForTask(key, a, (t) => t.state === "completed");
    await waitForTask(key, b, (t) => t.state === "completed");

    const seen = await eventually(async () => {
      const s = await stats(key);
      return s.executions.total >= 4 ? s : undefined;
    }, 15_000);
    expect(seen.window).toBe("1h");
    expect(seen.executions.succeeded).toBeGreaterThanOrEqual(2);
    expect(seen.executions.failed).toBe(2);
    expect(seen.tasks.completed).toBe(2);
    expect(seen.tasks.paused).toBe(1);
    expect(seen.tasks.active).toBe(0);
    expect(seen.lateness_ms.p50).not.toBeNull();
    expect(seen.lateness_ms.p99).toBeGreaterThanOrEqual(seen.lateness_ms.p50 ?? 0);

    // Another project sees none of it.
    const other = await createProject();
    const empty = await stats(other.key, "7d");
    expect(empty.executions).toEqual({ total: 0, succeeded: 0, failed: 0 });
    expect(empty.lateness_ms).toEqual({ p50: null, p99: null });
    expect(Object.values(empty.tasks).every((n) => n === 0)).toBe(true);
  });

  it("counts a chunk delivered twice once, and sums windows from per-minute aggregates", async () => {
    const { key, id: projectId } = await createProject();
    const now = Date.now();
    const recent = chunk(projectId, now - 10 * 60_000, 4, 200, 40);
    const failed = chunk(projectId, now - 5 * 60_000, 2, 503, 3);
    const older = chunk(projectId, now - 3 * 3_600_000, 5, 200, 3);
    await deliver([recent, failed, older]);
    await deliver([recent, failed]);

    const hour = await stats(key, "1h");
    expect(hour.executions).toEqual({ total: 6, succeeded: 4, failed: 2 });
    // Four attempts 40 ms late and two 3 ms late: the median is in the 40 ms bucket (≤ 50).
    expect(hour.lateness_ms).toEqual({ p50: 50, p99: 50 });
    const day = await stats(key, "24h");
    expect(day.executions).toEqual({ total: 11, succeeded: 9, failed: 2 });
    expect(day.lateness_ms.p50).toBe(3);
  });

  it("drops aggregates past their retention", async () => {
    const { key, id: projectId } = await createProject();
    const now = Date.now();
    await deliver([chunk(projectId, now - 2 * 3_600_000, 3)]);
    expect((await stats(key, "24h")).executions.total).toBe(3);
    await purgeStatsBefore(env, now - 3_600_000);
    expect((await stats(key, "24h")).executions.total).toBe(0);
  });

  it("refuses an unknown window, naming it", async () => {
    const { key } = await createProject();
    const res = await api<{ error: { message: string } }>("GET", "/api/v1/stats?window=2h", {
      key,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("window");
  });
});
