/**
 * The project and access token of a live task, read from its index row, so a capability link
 * is checked without waking the task's object (a made-up task id must never create one).
 */
export async function findTaskAccess(
  d1: D1Database,
  id: string,
): Promise<{ projectId: string; token: string | null } | null> {
  return d1
    .prepare(
      `SELECT project_id AS projectId, json_extract(definition, '$.access_token') AS token
       FROM tasks WHERE id = ? AND deleted_at IS NULL LIMIT 1`,
    )
    .bind(id)
    .first<{ projectId: string; token: string | null }>();
}
