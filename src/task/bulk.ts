import { BULK_PAGE_SIZE, type BulkActionRequest } from "../core/bulk-action";
import { BelfryError } from "../core/errors";
import type { TaskState } from "../core/task-view";
import { listIndexedTaskStates } from "../db/task-index";
import type { BulkResult } from "../wire/answers";
import { changeTaskState, deleteTask, taskIndexPage } from "./commands";

/**
 * How many tasks a bulk call changes at once: enough to act on a page of 1000 in a few seconds,
 * few enough that one call does not crowd out the objects' own work (or the Worker's
 * simultaneous-connection allowance of six).
 */
const CONCURRENCY = 6;

/** Run `work` on every item, at most `limit` at a time. */
async function forEachBounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Pause, resume, cancel or delete a page of the project's tasks (at most 1000, newest first),
 * each by the one-task command and its rules: a task the rule refuses (resuming a cancelled
 * task) is listed in `failed`, the rest carry on. A task already where the action leads
 * (pausing a paused task) matches but does not count as changed. `next_cursor` continues after
 * this page; the cursor is a position, so tasks the action moved out of the filter are not
 * skipped over or taken twice.
 */
export async function bulkTaskAction(
  env: Env,
  projectId: string,
  request: BulkActionRequest,
  pageSize = BULK_PAGE_SIZE,
): Promise<BulkResult> {
  const { action, filter } = request;
  const { rows: page, next_cursor } = await taskIndexPage(
    env,
    listIndexedTaskStates,
    {
      projectId,
      ...(filter.ids && { ids: filter.ids }),
      ...(filter.label && { labels: Object.entries(filter.label) }),
      ...(filter.name_prefix !== undefined && { namePrefix: filter.name_prefix }),
      ...(filter.state && { states: filter.state }),
    },
    pageSize,
    request.cursor,
  );
  let changed = 0;
  const failed: BulkResult["failed"] = [];
  await forEachBounded(page, CONCURRENCY, async ({ id, state }) => {
    try {
      if (action === "delete") {
        await deleteTask(env, projectId, id);
        changed += 1;
      } else {
        const after: TaskState = (await changeTaskState(env, projectId, id, action)).progress.state;
        if (after !== state) changed += 1;
      }
    } catch (error) {
      if (!(error instanceof BelfryError)) {
        console.error(
          JSON.stringify({
            event: "bulk_action_failed",
            action,
            task_id: id,
            error: String(error),
          }),
        );
      }
      failed.push({
        id,
        error: error instanceof BelfryError ? error.message : "internal error",
      });
    }
  });
  // Ids asked for alone but not found are reported, so a typo does not pass silently. (An ids
  // filter fits on one page, so only a first page can tell.)
  const idsAlone = Object.values(filter).filter((v) => v !== undefined).length === 1;
  if (filter.ids && idsAlone && !request.cursor) {
    const found = new Set(page.map((r) => r.id));
    for (const id of new Set(filter.ids)) {
      if (!found.has(id)) failed.push({ id, error: "task not found" });
    }
  }
  return { matched: page.length, changed, failed, next_cursor };
}
