import type { TaskProgress, TaskSnapshot } from "./task-view";

/** One attempt, as the history stores it and the API returns it. */
export interface AttemptRecord {
  id: string;
  execution_id: string;
  task_id: string;
  project_id: string;
  number: number;
  attempt: number;
  scheduled_at: number;
  started_at: number;
  duration_ms: number;
  lateness_ms: number;
  status_code: number | null;
  successful: boolean;
  error: string | null;
  response: { headers: Record<string, string>; body: string; truncated: boolean };
  final: boolean;
}

/** A task's index row as its object last saw it. */
export interface TaskIndexEntry {
  snapshot: TaskSnapshot;
  /** The earliest call still to make (grid point or retry), for the sweeper. */
  wake_at: number | null;
  deleted_at: number | null;
}

/** A task's progress after a call: all the index needs, without the unchanged definition. */
export interface ProgressUpdate {
  id: string;
  progress: TaskProgress;
  /** The earliest call still to make (grid point or retry), for the sweeper. */
  wake_at: number | null;
}

/** The API's form of an attempt record. */
export function attemptView(record: AttemptRecord) {
  return {
    ...record,
    scheduled_at: new Date(record.scheduled_at).toISOString(),
    started_at: new Date(record.started_at).toISOString(),
  };
}
export type AttemptView = ReturnType<typeof attemptView>;

/** An attempt of the project-wide history, with its task's current name. */
export type ProjectAttemptRecord = AttemptRecord & { task_name: string | null };

/** The API's form of a project-wide attempt record. */
export function projectAttemptView(record: ProjectAttemptRecord) {
  return { ...attemptView(record), task_name: record.task_name };
}
export type ProjectAttemptView = ReturnType<typeof projectAttemptView>;
