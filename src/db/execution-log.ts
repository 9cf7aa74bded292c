import { and, desc, eq, like, lt, or } from "drizzle-orm";
import type { AttemptRecord } from "../core/history";
import type { Database } from "./client";
import { executions } from "./schema";

export interface ExecutionQuery {
  taskId: string;
  /** Only this incarnation of the task (a re-created task keeps its id, not its history). */
  executionPrefix: string;
  projectId: string;
  successful?: boolean;
  limit: number;
  /** Keyset position: attempts strictly older than this (started_at, id). */
  after?: { startedAt: number; id: string };
}

/** One page of a task's attempts, newest first, plus one extra row to tell if more exist. */
export async function listAttempts(db: Database, query: ExecutionQuery): Promise<AttemptRecord[]> {
  const conditions = [
    eq(executions.taskId, query.taskId),
    eq(executions.projectId, query.projectId),
    like(executions.executionId, `${query.executionPrefix}%`),
  ];
  if (query.successful !== undefined) conditions.push(eq(executions.successful, query.successful));
  if (query.after) {
    const { startedAt, id } = query.after;
    const older = or(
      lt(executions.startedAt, startedAt),
      and(eq(executions.startedAt, startedAt), lt(executions.id, id)),
    );
    if (older) conditions.push(older);
  }
  const rows = await db
    .select()
    .from(executions)
    .where(and(...conditions))
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(query.limit + 1);
  return rows.map(attemptRecordOf);
}

/** An attempt as the API sees it, from its history row. */
export function attemptRecordOf(r: typeof executions.$inferSelect): AttemptRecord {
  return {
    id: r.id,
    execution_id: r.executionId,
    task_id: r.taskId,
    project_id: r.projectId,
    number: r.number,
    attempt: r.attempt,
    scheduled_at: r.scheduledAt,
    started_at: r.startedAt,
    duration_ms: r.durationMs,
    lateness_ms: r.latenessMs,
    status_code: r.statusCode,
    successful: r.successful,
    error: r.error,
    response: {
      headers: JSON.parse(r.responseHeaders) as Record<string, string>,
      body: r.responseBody,
      truncated: r.truncated,
    },
    final: r.final,
  };
}

/** Delete attempts that started before `cutoff`; returns how many went. */
export async function purgeAttemptsBefore(db: Database, cutoff: number): Promise<number> {
  const result = await db.delete(executions).where(lt(executions.startedAt, cutoff));
  return result.meta.changes ?? 0;
}
