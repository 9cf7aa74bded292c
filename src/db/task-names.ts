/** The names of some of a project's tasks, by id (deleted tasks included while indexed). */
export async function findTaskNames(
  d1: D1Database,
  projectId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { results } = await d1
    .prepare(
      `SELECT id, name FROM tasks WHERE project_id = ? AND name IS NOT NULL
       AND id IN (${unique.map(() => "?").join(", ")})`,
    )
    .bind(projectId, ...unique)
    .all<{ id: string; name: string }>();
  return new Map(results.map((r) => [r.id, r.name]));
}
