import type { BelfryClient, BulkActionRequest, BulkResult } from "../client";
import { type CommandOutput, fields, refuseEmpty, table } from "../output";
import { parseLabels } from "./labels";
import { parseStates, type TaskFilterFlags } from "./task-filters";

/** The filter flags of `belfry tasks bulk ACTION`. */
export interface BulkFlags extends TaskFilterFlags {
  /** Task ids, repeatable. */
  id?: string[];
}

type Action = BulkActionRequest["action"];
type Filter = BulkActionRequest["filter"];

/** The most calls one command makes (1000 tasks each), a bound on a runaway loop. */
const MAX_CALLS = 1000;

function bulkFilter(flags: BulkFlags): Filter {
  return refuseEmpty<Filter>(
    {
      ...(flags.id?.length && { ids: flags.id }),
      ...(flags.label?.length && { label: parseLabels("--label", flags.label) }),
      ...(flags.name !== undefined && { name_prefix: flags.name }),
      ...(flags.state !== undefined && { state: parseStates(flags.state) }),
    },
    "no filter: give --id, --label, --name or --state (they combine)",
  );
}

/**
 * `belfry tasks bulk pause --label team=billing`: act on every task the filters match, 1000 per
 * call, following the cursor to the end; the totals, and each task that failed.
 */
export async function tasksBulk(
  client: BelfryClient,
  action: Action,
  flags: BulkFlags,
): Promise<CommandOutput<BulkResult>> {
  const filter = bulkFilter(flags);
  const total: BulkResult = { matched: 0, changed: 0, failed: [], next_cursor: null };
  let cursor: string | undefined;
  for (let calls = 0; calls < MAX_CALLS; calls++) {
    const page = await client.bulkTasks({ action, filter, ...(cursor && { cursor }) });
    total.matched += page.matched;
    total.changed += page.changed;
    total.failed.push(...page.failed);
    total.next_cursor = page.next_cursor;
    if (page.next_cursor === null) break;
    cursor = page.next_cursor;
  }
  const summary = fields([
    ["matched", String(total.matched)],
    ["changed", String(total.changed)],
    ["failed", String(total.failed.length)],
  ]);
  const text =
    total.failed.length === 0
      ? summary
      : `${summary}\n\n${table(
          ["ID", "ERROR"],
          total.failed.map((f) => [f.id, f.error]),
        )}`;
  return { data: total, text };
}
