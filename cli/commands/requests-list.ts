import { TASK_STATES } from "../../src/core/task-view";
import type { LoopitisRequestView } from "../../src/dialects/loopitis-shapes";
import { CliError, type CommandOutput, tableOr } from "../output";
import type { LoopitisClient } from "./requests-client";

export interface RequestsListOptions {
  /** Comma-separated statuses: active, paused, completed, cancelled, failed. */
  status?: string;
  /** Most requests to show (default: all). */
  limit?: number;
}

/** The server pages by offset up to this row (docs/dialects.md). */
const MAX_OFFSET = 10_000;

/** `belfry requests list --status …`: the project's requests with these statuses, newest first. */
export async function requestsList(
  client: LoopitisClient,
  options: RequestsListOptions = {},
): Promise<CommandOutput<LoopitisRequestView[]>> {
  if (options.status !== undefined) {
    const unknown = options.status
      .split(",")
      .map((s) => s.trim())
      .find((s) => !(TASK_STATES as readonly string[]).includes(s));
    if (unknown !== undefined) {
      throw new CliError(
        `--status: unknown status ${JSON.stringify(unknown)} (one of ${TASK_STATES.join(", ")})`,
      );
    }
  }
  const max = options.limit ?? Number.POSITIVE_INFINITY;
  const requests: LoopitisRequestView[] = [];
  for (let offset = 0; requests.length < max && offset <= MAX_OFFSET; offset += 100) {
    const page = await client.list({
      ...(options.status !== undefined && { status: options.status }),
      limit: 100,
      offset,
    });
    requests.push(...page.slice(0, max - requests.length));
    if (page.length < 100) break;
  }
  const text = tableOr(
    "No requests.",
    ["REQUEST ID", "NAME", "STATUS", "INTERVAL", "OCCURRENCES", "RETURN URL"],
    requests.map((r) => [
      r.requestId,
      r.name ?? "—",
      r.status,
      r.interval === null ? "—" : `${r.interval}ms`,
      r.occurrences === null ? "unbounded" : String(r.occurrences),
      r.return_url,
    ]),
  );
  return { data: requests, text };
}
