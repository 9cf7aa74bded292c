import { eq } from "drizzle-orm";
import { z } from "zod";
import { ALERT_EVENTS, type AlertDestination } from "../core/alerts";
import type { Database } from "./client";
import type { ProjectRow } from "./projects";
import { projects } from "./schema";

const storedEvents = z.array(z.enum(ALERT_EVENTS));

/** A project row's alert destination, or null when it has none. */
export function alertDestinationOf(
  row: Pick<ProjectRow, "alertUrl" | "alertEvents">,
): AlertDestination | null {
  if (!row.alertUrl) return null;
  // Written only by setAlertDestination; an unreadable list (never expected) means every event.
  let events: AlertDestination["events"] = [...ALERT_EVENTS];
  try {
    const parsed = storedEvents.safeParse(JSON.parse(row.alertEvents ?? "null"));
    if (parsed.success) events = parsed.data;
  } catch {
    // Keep every event.
  }
  return { url: row.alertUrl, events };
}

/** Set (or, with null, remove) a project's alert destination; false when no such project. */
export async function setAlertDestination(
  db: Database,
  projectId: string,
  destination: AlertDestination | null,
): Promise<boolean> {
  const result = await db
    .update(projects)
    .set({
      alertUrl: destination?.url ?? null,
      alertEvents: destination ? JSON.stringify(destination.events) : null,
    })
    .where(eq(projects.id, projectId));
  return (result.meta.changes ?? 0) > 0;
}
