import { app } from "./app";
import { readConfig } from "./config";
import { dashboard, isDashboardPath } from "./dashboard/routes";
import type { HistoryChunk } from "./history/records";
import { acknowledgeChunks, writeChunks } from "./history/writer";
import { sweep } from "./task/sweeper";

export { Scheduler } from "./rpc/scheduler";
export { TaskObject } from "./task/task-object";

export default {
  /** The dashboard's pages are not API routes (nor in its OpenAPI document): they go apart. */
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    return isDashboardPath(pathname)
      ? dashboard.fetch(request, env, ctx)
      : app.fetch(request, env, ctx);
  },

  /** The history writer: one D1 batch per database per queue batch, then each task is told. */
  async queue(batch: MessageBatch<string>, env: Env): Promise<void> {
    const chunks = batch.messages.map((m) => JSON.parse(m.body) as HistoryChunk);
    await writeChunks(env, chunks, { maxPerTask: readConfig(env).historyMaxPerTask });
    await acknowledgeChunks(env, chunks);
  },

  /** The sweeper: re-arm overdue tasks, expire finished ones, purge old history. */
  async scheduled(_controller: ScheduledController, env: Env): Promise<void> {
    await sweep(env, Date.now());
  },
} satisfies ExportedHandler<Env, string>;
