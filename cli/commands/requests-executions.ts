import { executionUuid } from "../../src/core/execution-uuid";
import type { LoopitisExecutionView } from "../../src/dialects/loopitis-shapes";
import type { AttemptView } from "../client";
import { attemptResult, type CommandOutput, instant, tableOr } from "../output";
import type { LoopitisClient } from "./requests-client";

/** One call, in the envelope's vocabulary (the `executionId` the receiver got). */
export type RequestExecution = Pick<
  LoopitisExecutionView,
  | "executionId"
  | "executionNumber"
  | "attempt"
  | "startedAt"
  | "statusCode"
  | "successful"
  | "error"
>;

function executionOf(a: AttemptView): RequestExecution {
  return {
    executionId: executionUuid(a.execution_id),
    executionNumber: a.number,
    attempt: a.attempt,
    startedAt: a.started_at,
    statusCode: a.status_code,
    successful: a.successful,
    error: a.error,
  };
}

/**
 * `belfry requests executions ID`: every call of one request, newest first — all of them, through
 * the native executions listing (the show link lists only the latest 100).
 */
export async function requestsExecutions(
  client: LoopitisClient,
  id: string,
): Promise<CommandOutput<RequestExecution[]>> {
  const executions: RequestExecution[] = [];
  for await (const attempt of client.native().executions(id, { limit: 100 })) {
    executions.push(executionOf(attempt));
  }
  const text = tableOr(
    "No executions recorded yet (history arrives within a few seconds of a call).",
    ["EXECUTION ID", "NUMBER", "ATTEMPT", "STARTED", "RESULT"],
    executions.map((e) => [
      e.executionId,
      String(e.executionNumber),
      String(e.attempt),
      instant(e.startedAt),
      attemptResult({ successful: e.successful, status_code: e.statusCode, error: e.error }),
    ]),
  );
  return { data: executions, text };
}
