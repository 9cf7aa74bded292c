import { app } from "./app";
import type { HistoryMessage } from "./core/history";
import { acknowledgeHistory, writeHistory } from "./db/history-writer";
import { sweep } from "./task/sweeper";

export { Scheduler } from "./rpc/scheduler";
export { TaskObject } from "./task/task-object";

export default {
  fetch: app.fetch,

  /** The history writer: one D1 batch per queue batch, then each task's outbox is told. */
  async queue(batch: MessageBatch<string>, env: Env): Promise<void> {
    const messages = batch.messages.map((m) => JSON.parse(m.body) as HistoryMessage);
    await writeHistory(env.DB, messages);
    // No timer waits here for acknowledgements still gathering: the queue would not hand this
    // consumer its next batch until it ran out. A record whose acknowledgement never leaves is
    // sent again by its task after 10 s and written a second time, to the same effect.
    await acknowledgeHistory(env, messages);
  },

  /** The sweeper: re-arm overdue tasks and purge old history. */
  async scheduled(_controller: ScheduledController, env: Env): Promise<void> {
    await sweep(env, Date.now());
  },
} satisfies ExportedHandler<Env, string>;
