import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "./client";
import { apiKeys, projects } from "./schema";

export type ProjectRow = typeof projects.$inferSelect;
/** A project to insert: the columns a new project may leave out (its alerts) are optional. */
export type NewProject = typeof projects.$inferInsert;

/** The project a live (not revoked) key hash belongs to, with the key's id. */
export async function findKeyByHash(d1: D1Database, hash: string) {
  // Bound directly: every API request runs it (see task-index.ts on drizzle's building cost).
  return d1
    .prepare(
      `SELECT id AS keyId, project_id AS projectId, hash FROM api_keys
       WHERE hash = ? AND revoked_at IS NULL LIMIT 1`,
    )
    .bind(hash)
    .first<{ keyId: string; projectId: string; hash: string }>();
}

/** The project of a live (not revoked) key, by the key's id: a dashboard session's check. */
export async function findLiveKeyById(d1: D1Database, keyId: string) {
  return d1
    .prepare("SELECT project_id AS projectId FROM api_keys WHERE id = ? AND revoked_at IS NULL")
    .bind(keyId)
    .first<{ projectId: string }>();
}

/** What a task signs its calls with and sends its alerts to. */
export type ProjectKeysRow = Pick<
  ProjectRow,
  "signingSecret" | "previousSigningSecret" | "previousValidUntil" | "alertUrl" | "alertEvents"
>;

/**
 * A project's signing secrets and alert destination, as one statement: a task reads them when
 * its object needs them, and with its index row's write when it is created (one round trip).
 */
export function projectKeysStatement(d1: D1Database, id: string): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT signing_secret AS signingSecret, previous_signing_secret AS previousSigningSecret,
       previous_valid_until AS previousValidUntil, alert_url AS alertUrl,
       alert_events AS alertEvents FROM projects WHERE id = ?`,
    )
    .bind(id);
}

/** One project by id. */
export async function findProject(db: Database, id: string): Promise<ProjectRow | null> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return row ?? null;
}

/** Insert a project with its first key. */
export async function insertProject(
  db: Database,
  project: NewProject,
  key: { id: string; prefix: string; hash: string },
): Promise<void> {
  await db.batch([
    db.insert(projects).values(project),
    db.insert(apiKeys).values({ ...key, projectId: project.id, createdAt: project.createdAt }),
  ]);
}

/** Insert a project and key unless they exist (the local dev project). */
export async function ensureProject(
  db: Database,
  project: NewProject,
  key: { id: string; prefix: string; hash: string },
): Promise<void> {
  await db.batch([
    db.insert(projects).values(project).onConflictDoNothing(),
    db
      .insert(apiKeys)
      .values({ ...key, projectId: project.id, createdAt: project.createdAt })
      .onConflictDoNothing(),
  ]);
}

/** Add a key to a project. */
export async function insertKey(
  db: Database,
  projectId: string,
  key: { id: string; prefix: string; hash: string },
  now: number,
): Promise<void> {
  await db.insert(apiKeys).values({ ...key, projectId, createdAt: now });
}

/** Revoke a key; returns false when the project has no such live key. */
export async function revokeKey(
  db: Database,
  projectId: string,
  keyId: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.projectId, projectId), isNull(apiKeys.revokedAt)));
  return (result.meta.changes ?? 0) > 0;
}

/**
 * Replace a project's signing secret, keeping the old one valid until `previousValidUntil`, or
 * ending it at once when that is null.
 */
export async function rotateSigningSecret(
  db: Database,
  project: ProjectRow,
  secret: string,
  previousValidUntil: number | null,
): Promise<void> {
  await db
    .update(projects)
    .set({
      signingSecret: secret,
      previousSigningSecret: previousValidUntil === null ? null : project.signingSecret,
      previousValidUntil,
    })
    .where(eq(projects.id, project.id));
}
