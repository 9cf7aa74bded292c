/** What a project uses of its budgets, as the task index holds it. */
export interface ProjectUsage {
  /** Tasks of any state not deleted, counted no further than the cap asked for. */
  tasks: number;
  /** The summed calls per minute of its active and paused tasks. */
  callsPerMinute: number;
  /** The calls per minute of one of those tasks (the one a patch changes), else 0. */
  taskCallsPerMinute: number;
}

/**
 * A project's use of its task and calls-per-minute budgets, read from the tasks_project_budget
 * index alone. Both scans stop at `cap` rows, so their cost never grows past the budget's size.
 */
export async function projectUsage(
  d1: D1Database,
  projectId: string,
  cap: number,
  taskId: string | null = null,
): Promise<ProjectUsage> {
  const row = await d1
    .prepare(
      `SELECT
         (SELECT COUNT(*) FROM (SELECT 1 FROM tasks
            WHERE project_id = ?1 AND deleted_at IS NULL LIMIT ?2)) AS tasks,
         (SELECT COALESCE(SUM(rate), 0) FROM (SELECT calls_per_minute AS rate FROM tasks
            WHERE project_id = ?1 AND deleted_at IS NULL AND state IN ('active', 'paused')
            LIMIT ?2)) AS callsPerMinute,
         (SELECT COALESCE(MAX(calls_per_minute), 0) FROM tasks
            WHERE id = ?3 AND project_id = ?1 AND deleted_at IS NULL
            AND state IN ('active', 'paused')) AS taskCallsPerMinute`,
    )
    .bind(projectId, cap, taskId)
    .first<ProjectUsage>();
  return row ?? { tasks: 0, callsPerMinute: 0, taskCallsPerMinute: 0 };
}
