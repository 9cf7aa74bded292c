import { app } from "./api/app";
import type { HistoryMessage } from "./core/history";
import { ACK_EVERY_MS, acknowledgeHistory, writeHistory } from "./db/history-writer";
import { sweep } from "./task/sweeper";

export { Scheduler } from "./rpc/scheduler";
export { TaskObject } from "./task/task-object";

export default {
  fetch: app.fetch,

  /** The history writer: one D1 batch per queue batch, then each task's outbox is told. */
  async queue(batch: MessageBatch<string>, env: Env, ctx: ExecutionContext): Promise<void> {
    const messages = batch.messages.map((m) => JSON.parse(m.body) as HistoryMessage);
    await writeHistory(env.DB, messages);
    await acknowledgeHistory(env, messages);
    // Acknowledgements still gathering go out after a while even if no batch follows this one.
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, ACK_EVERY_MS)).then(() =>
        acknowledgeHistory(env, []),
      ),
    );
  },

  /** The sweeper: re-arm overdue tasks and purge old history. */
  async scheduled(_controller: ScheduledController, env: Env): Promise<void> {
    await sweep(env, Date.now());
  },
} satisfies ExportedHandler<Env, string>;
