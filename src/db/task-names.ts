/** The names of some of a project's tasks, by id (deleted tasks included while indexed). */
export async function findTaskNames(
  d1: D1Database,
  projectId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  // One JSON parameter however many ids: D1 binds at most 100 parameters, and a page of 100
  // attempts may come from 100 tasks.
  const { results } = await d1
    .prepare(
      `SELECT id, name FROM tasks WHERE project_id = ? AND name IS NOT NULL
       AND id IN (SELECT value FROM json_each(?))`,
    )
    .bind(projectId, JSON.stringify(unique))
    .all<{ id: string; name: string }>();
  return new Map(results.map((r) => [r.id, r.name]));
}
