// Restart recovery (docs/schedules-and-delivery.md, "Restarts"): SIGKILL the dev server
// mid-schedule, start it again on the same local state, and check that every task resumes by
// itself, follows its misfire policy, and that every attempt the receiver saw is in the history.
import { expect, it, onTestFailed } from "vitest";
import type { CreateTaskRequest, TaskView } from "../../cli/client";
import type { ReceivedCall } from "../support/receiver-types";
import { delivery, devClient, listAttempts, pollUntil, receiverBucket } from "./support/client";
import { ownServers } from "./support/own-servers";

/**
 * docs/schedules-and-delivery.md, "Restarts": every active task resumes within 60 s of the
 * restart without any user request.
 */
const RESUME_WITHIN_MS = 60_000;
/** History reaches D1 through a queue "within a few seconds". */
const HISTORY_WITHIN_MS = 30_000;
const OUTAGE_MS = 3_000;
/**
 * Crash a moment after the latest calls rather than on one: their attempts are recorded by
 * then, while their history is still on its way to D1 (the queue batches for up to a second).
 */
const KILL_AFTER_CALLS_MS = 300;
/** The 200 ms task needs a lower minimum interval than the default 1 s. */
const VARS = { MIN_INTERVAL_MS: "100" };

const own = ownServers("restart");

function distinctNumbers(calls: ReceivedCall[]): number[] {
  return [...new Set(calls.map((c) => delivery(c).execution))].sort((a, b) => a - b);
}

function oneToN(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** run_all: grid point k is served by execution k, for k = 1..occurrences, never early. */
function expectAllGridPoints(task: TaskView, calls: ReceivedCall[], every: number, n: number) {
  expect(distinctNumbers(calls), `executions of ${task.id}`).toEqual(oneToN(n));
  const created = Date.parse(task.created_at);
  for (const call of calls.map(delivery)) {
    expect(call.taskId).toBe(task.id);
    expect(call.scheduledAt - created).toBe(call.execution * every);
    expect(call.at).toBeGreaterThanOrEqual(call.scheduledAt);
  }
}

it("resumes every task after a SIGKILL, applying the misfire policy, losing no history", async () => {
  onTestFailed(() => {
    for (const [i, s] of own.started.entries()) {
      console.log(`---- dev server ${i + 1} output (tail) ----\n${s.output().slice(-8_000)}`);
    }
  });

  const first = await own.start(VARS);

  const hooks = {
    runAll: receiverBucket(own.receiverUrl()),
    skip: receiverBucket(own.receiverUrl()),
    fast: receiverBucket(own.receiverUrl()),
    onceBefore: receiverBucket(own.receiverUrl()),
    onceDuring: receiverBucket(own.receiverUrl()),
    midCall: receiverBucket(own.receiverUrl()),
    callback: receiverBucket(own.receiverUrl()),
    callbackTarget: receiverBucket(own.receiverUrl()),
  };
  // The callback URL refuses its first three deliveries, which spans the crash.
  await hooks.callback.program([{ status: 503 }, { status: 503 }, { status: 503 }]);
  // The first call of midCall is held open past the crash: it was sent, never recorded.
  await hooks.midCall.program([{ delay_ms: 8_000 }]);
  const create = (name: string, url: string, schedule: CreateTaskRequest["schedule"]) =>
    devClient(first.url).createTask({ name, url, schedule });
  const tasks = {
    runAll: await create("restart-run-all", hooks.runAll.url, {
      every: "1s",
      occurrences: 8,
      misfire: "run_all",
    }),
    // A one-second catch-up window: the points of a 3 s outage are misfires, not just late.
    skip: await create("restart-skip", hooks.skip.url, {
      every: "1s",
      occurrences: 6,
      misfire: "skip",
      catchup_window: "1s",
    }),
    fast: await create("restart-fast", hooks.fast.url, {
      every: "200ms",
      occurrences: 40,
      misfire: "run_all",
    }),
    // Fires and finishes just before the crash: its one attempt must still reach the history.
    onceBefore: await create("restart-once-before", hooks.onceBefore.url, { delay: "2s" }),
    // Comes due while the server is down.
    onceDuring: await create("restart-once-during", hooks.onceDuring.url, { delay: "4s" }),
    // In flight when the server dies: planned again after the restart, it keeps its webhook-id
    // and grid point.
    midCall: await create("restart-mid-call", hooks.midCall.url, {
      every: "1s",
      occurrences: 3,
      misfire: "run_all",
    }),
  };
  // Its callback is still being retried when the server dies: it must survive the restart.
  const callbackTask = await devClient(first.url).createTask({
    name: "restart-callback",
    url: hooks.callbackTarget.url,
    schedule: { delay: "1s" },
    callback_url: hooks.callback.url,
  });
  const onceDuringDueAt = Date.parse(tasks.onceDuring.created_at) + 4_000;

  // Let a couple of calls of each recurring task arrive, then crash the whole server.
  const before = await pollUntil(
    async () => ({
      runAll: await hooks.runAll.calls(),
      skip: await hooks.skip.calls(),
      onceBefore: await hooks.onceBefore.calls(),
      midCall: await hooks.midCall.calls(),
    }),
    (c) =>
      c.runAll.length >= 2 &&
      c.skip.length >= 2 &&
      c.onceBefore.length >= 1 &&
      c.midCall.length >= 1,
    10_000,
    50,
  );
  expect(before.runAll.length).toBeGreaterThanOrEqual(2);
  expect(before.skip.length).toBeGreaterThanOrEqual(2);
  expect(before.onceBefore).toHaveLength(1);
  await sleep(KILL_AFTER_CALLS_MS);
  const killedAt = Date.now();
  await first.kill();
  expect(await hooks.onceDuring.calls(), "due during the outage, not before").toHaveLength(0);
  expect(killedAt).toBeLessThan(onceDuringDueAt);

  await sleep(killedAt + OUTAGE_MS - Date.now());
  const restartedAt = Date.now();
  expect(onceDuringDueAt).toBeLessThan(restartedAt);
  const second = await own.start(VARS);
  const resumeDeadline = restartedAt + RESUME_WITHIN_MS;

  // No API request at all until the receiver has seen every expected call: recovery must not
  // depend on a user touching the tasks.
  const readAll = async () => ({
    runAll: await hooks.runAll.calls(),
    skip: await hooks.skip.calls(),
    fast: await hooks.fast.calls(),
    onceBefore: await hooks.onceBefore.calls(),
    onceDuring: await hooks.onceDuring.calls(),
    midCall: await hooks.midCall.calls(),
    callback: await hooks.callback.calls(),
  });
  const after = await pollUntil(
    readAll,
    (c) =>
      distinctNumbers(c.runAll).length >= 8 &&
      distinctNumbers(c.skip).includes(6) &&
      distinctNumbers(c.fast).length >= 40 &&
      distinctNumbers(c.midCall).length >= 3 &&
      c.callback.length >= 4 &&
      c.onceDuring.length >= 1,
    resumeDeadline - Date.now(),
    100,
  );

  // run_all: every grid point is served, each by its own execution number.
  expectAllGridPoints(tasks.runAll, after.runAll, 1_000, 8);
  expectAllGridPoints(tasks.fast, after.fast, 200, 40);

  // skip: numbers 1..6 without gaps (dropped points use no occurrence), grid points increasing
  // with the number, and at most one point that passed during the outage is served (the latest,
  // as on time); the others are dropped.
  expect(distinctNumbers(after.skip)).toEqual(oneToN(6));
  const skipCreated = Date.parse(tasks.skip.created_at);
  const skipPoints = new Map<number, number>();
  for (const call of after.skip.map(delivery)) {
    expect(call.taskId).toBe(tasks.skip.id);
    expect((call.scheduledAt - skipCreated) % 1_000).toBe(0);
    expect(call.at).toBeGreaterThanOrEqual(call.scheduledAt);
    const known = skipPoints.get(call.execution);
    if (known !== undefined) expect(call.scheduledAt).toBe(known);
    skipPoints.set(call.execution, call.scheduledAt);
  }
  const points = oneToN(6).map((n) => skipPoints.get(n) ?? Number.NaN);
  for (let i = 1; i < points.length; i++) {
    expect(points[i]).toBeGreaterThan(points[i - 1] ?? Number.POSITIVE_INFINITY);
  }
  expect(points.filter((p) => p > killedAt && p <= restartedAt).length).toBeLessThanOrEqual(1);

  // One-time tasks: one execution each (a resend after the crash keeps its webhook-id); the one
  // due during the outage fires after the restart.
  for (const [task, calls] of [
    [tasks.onceBefore, after.onceBefore],
    [tasks.onceDuring, after.onceDuring],
  ] as const) {
    expect(new Set(calls.map((c) => delivery(c).webhookId)).size).toBe(1);
    for (const call of calls.map(delivery)) {
      expect(call).toMatchObject({ taskId: task.id, execution: 1 });
    }
  }
  for (const call of after.onceDuring.map(delivery)) {
    expect(call.scheduledAt).toBe(onceDuringDueAt);
    expect(call.at).toBeGreaterThanOrEqual(restartedAt);
  }

  // The call in flight at the crash was sent again after the restart with the same webhook-id
  // and Belfry-Scheduled-At; each of its grid points has its own id.
  const firstPoint = Date.parse(tasks.midCall.created_at) + 1_000;
  const replayed = after.midCall.map(delivery).filter((d) => d.scheduledAt === firstPoint);
  expect(replayed.length).toBeGreaterThanOrEqual(2);
  expect(new Set(replayed.map((d) => d.webhookId)).size).toBe(1);
  expect(new Set(after.midCall.map((c) => delivery(c).webhookId)).size).toBe(3);
  expectAllGridPoints(tasks.midCall, after.midCall, 1_000, 3);
  // The callback refused three times, across the crash, arrived after the restart: the same
  // message each time (one webhook-id), the fourth delivery answered 200.
  expect(new Set(after.callback.map((c) => c.headers["webhook-id"])).size).toBe(1);
  expect(after.callback.at(-1)?.at ?? 0).toBeGreaterThanOrEqual(restartedAt);
  expect(JSON.parse(after.callback.at(-1)?.body ?? "{}")).toMatchObject({
    task_id: callbackTask.id,
    execution: { number: 1, successful: true },
  });
  // No webhook-id ever names two grid points, whatever the misfire policies decided.
  const pointOf = new Map<string, number>();
  for (const calls of [
    after.runAll,
    after.skip,
    after.fast,
    after.onceBefore,
    after.onceDuring,
    after.midCall,
  ]) {
    for (const d of calls.map(delivery)) {
      expect(pointOf.get(d.webhookId) ?? d.scheduledAt, d.webhookId).toBe(d.scheduledAt);
      pointOf.set(d.webhookId, d.scheduledAt);
    }
  }

  // Every task ends completed within the 60 s window (polling only).
  const order = ["runAll", "skip", "fast", "onceBefore", "onceDuring", "midCall"] as const;
  const ids = order.map((k) => tasks[k].id);
  const finals = await pollUntil(
    () => Promise.all(ids.map((id) => devClient(second.url).getTask(id))),
    (list) => list.every((t) => t.state === "completed"),
    resumeDeadline - Date.now(),
  );
  expect(finals.map((t) => [t.id, t.state, t.status, t.progress])).toEqual(
    ids.map((id) => [id, "completed", "completed", 100]),
  );
  expect(finals.map((t) => t.executions.total)).toEqual([8, 6, 40, 1, 1, 3]);

  // Every attempt the receiver saw (webhook-id + attempt) is in the history, and nothing else.
  const key = (executionId: string, attempt: number) => `${executionId}:${attempt}`;
  const seen = order.map(
    (name) => new Map(after[name].map(delivery).map((d) => [key(d.webhookId, d.attempt), d])),
  );
  const histories = await pollUntil(
    () => Promise.all(ids.map((id) => listAttempts(devClient(second.url), id))),
    (lists) =>
      lists.every((list, i) => {
        const recorded = new Set(list.map((a) => key(a.execution_id, a.attempt)));
        return [...(seen[i]?.keys() ?? [])].every((k) => recorded.has(k));
      }),
    HISTORY_WITHIN_MS,
    250,
  );
  const missing: string[] = [];
  const unexpected: string[] = [];
  for (const [i, name] of order.entries()) {
    const attempts = histories[i] ?? [];
    const received = seen[i] ?? new Map<string, ReturnType<typeof delivery>>();
    const recorded = new Set(attempts.map((a) => key(a.execution_id, a.attempt)));
    for (const [k, d] of received) {
      if (recorded.has(k)) continue;
      const when = d.at < killedAt ? `${killedAt - d.at} ms before the kill` : "after the restart";
      missing.push(
        `${name} execution ${d.execution} attempt ${d.attempt} (${k}), received ${when}`,
      );
    }
    for (const a of attempts) {
      if (!received.has(key(a.execution_id, a.attempt))) unexpected.push(`${name} ${a.id}`);
      if (!a.successful) unexpected.push(`${name} ${a.id} unsuccessful`);
    }
  }
  expect(missing, "attempts the receiver got that are missing from the history").toEqual([]);
  expect(unexpected, "history records of attempts the receiver never got").toEqual([]);
}, 120_000);
