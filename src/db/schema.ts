import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { LATENESS_BUCKETS } from "../core/lateness";

export const projects = sqliteTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  signingSecret: text("signing_secret").notNull(),
  /** The secret replaced by the last rotation; it keeps signing alongside until previousValidUntil. */
  previousSigningSecret: text("previous_signing_secret"),
  previousValidUntil: integer("previous_valid_until"),
  createdAt: integer("created_at").notNull(),
  /** Where the project's alerts go (core/alerts.ts); null: no alerts. */
  alertUrl: text("alert_url"),
  /** The alert events sent there, a JSON array. */
  alertEvents: text("alert_events"),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    /** The first characters of the key, shown to people to tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex; the key itself is never stored. */
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_project").on(t.projectId)],
);

/**
 * The task index: one row per task, a copy of what its TaskObject holds, kept for listing
 * (definition and progress are rendered into list results).
 * Rows are only overwritten by a newer `version`, so late history messages never undo a change.
 * A deleted task keeps a row with `deletedAt` set, which stops older messages from recreating it.
 */
export const tasks = sqliteTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull(),
    name: text("name"),
    state: text("state").notNull(),
    nextRunAt: integer("next_run_at"),
    lastRunAt: integer("last_run_at"),
    executionsTotal: integer("executions_total").notNull().default(0),
    idempotencyKey: text("idempotency_key"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    version: integer("version").notNull(),
    deletedAt: integer("deleted_at"),
    /** The task's definition (JSON), written when it is created or changed. */
    definition: text("definition").notNull(),
    /** The task's progress (JSON) as its object last reported it. */
    progress: text("progress").notNull(),
    /** Calls per minute its schedule makes at its busiest (core/call-rate.ts), for the budget. */
    callsPerMinute: real("calls_per_minute").notNull().default(0),
  },
  (t) => [
    index("tasks_project_created").on(t.projectId, t.createdAt, t.id),
    index("tasks_project_state_created").on(t.projectId, t.state, t.createdAt, t.id),
    index("tasks_project_name").on(t.projectId, t.name),
    index("tasks_state_next_run").on(t.state, t.nextRunAt),
    // Counts and sums a project's budgets from the index alone (db/budgets.ts).
    index("tasks_project_budget").on(t.projectId, t.deletedAt, t.state, t.callsPerMinute),
  ],
);

/**
 * A task's labels, one row each, for label filters that page by keyset like the task list:
 * (project, key, value) finds the tasks, newest first. The rows follow the `labels` of the
 * task row's definition through triggers on `tasks` (in the migration that made this table), so
 * every write of the index — create, change, delete, the sweeper's removal — keeps them in
 * step, in the same statement. A deleted task (a tombstone row) has none.
 */
export const taskLabels = sqliteTable(
  "task_labels",
  {
    taskId: text("task_id").notNull(),
    projectId: text("project_id").notNull(),
    key: text("key").notNull(),
    value: text("value").notNull(),
    /** The task's created_at, the list's order. */
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.key] }),
    index("task_labels_filter").on(t.projectId, t.key, t.value, t.createdAt, t.taskId),
  ],
);

/**
 * Execution history, one row per chunk of a task's attempts (docs/architecture.md): the
 * attempts as a compact JSON array, with what listing needs to find and skip chunks. Lives in
 * every history shard (a task's chunks all in one); rows are inserted in time order, which the
 * age purge relies on.
 */
export const history = sqliteTable(
  "history",
  {
    taskId: text("task_id").notNull(),
    /** The task incarnation (its created_at): a task re-created under its id starts afresh. */
    createdAt: integer("created_at").notNull(),
    /** Ordinal of the chunk's first attempt within the incarnation. */
    seq: integer("seq").notNull(),
    projectId: text("project_id").notNull(),
    firstStarted: integer("first_started").notNull(),
    lastStarted: integer("last_started").notNull(),
    attempts: integer("attempts").notNull(),
    failures: integer("failures").notNull(),
    /** The attempts: a JSON array of src/history/records.ts CompactAttempt. */
    body: text("body").notNull(),
  },
  (t) => [
    uniqueIndex("history_task").on(t.taskId, t.createdAt, t.seq),
    index("history_project").on(t.projectId, t.lastStarted),
  ],
);

/**
 * Execution counts per project and minute, kept by the history writer beside the chunks it
 * inserts (in every history shard), so stats read a few aggregate rows and never scan history:
 * attempts, their outcomes, and a histogram of first attempts' lateness (columns `l0` … in the
 * buckets of src/core/lateness.ts). Created WITHOUT ROWID (see the migration): the key is the
 * table, so an upsert writes one row.
 */
export const executionStats = sqliteTable(
  "execution_stats",
  {
    projectId: text("project_id").notNull(),
    /** The minute the attempts started in (ms since the epoch, a multiple of 60 000). */
    minute: integer("minute").notNull(),
    total: integer("total").notNull(),
    succeeded: integer("succeeded").notNull(),
    failed: integer("failed").notNull(),
    ...latenessColumns(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.minute] })],
);

function latenessColumns() {
  return Object.fromEntries(
    Array.from({ length: LATENESS_BUCKETS }, (_, i) => [
      `l${i}`,
      integer(`l${i}`).notNull().default(0),
    ]),
  );
}

/**
 * Booper's integer job ids: a per-project sequence given at create (docs/dialects.md), with what
 * the Booper dialect keeps beside the task — its idempotency key's holder and its description.
 */
export const booperJobs = sqliteTable(
  "booper_jobs",
  {
    projectId: text("project_id").notNull(),
    /** The job's integer id, 1, 2, 3 … within its project. */
    number: integer("number").notNull(),
    taskId: text("task_id").notNull(),
    idempotencyKey: text("idempotency_key"),
    description: text("description"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.number] }),
    uniqueIndex("booper_jobs_task").on(t.taskId),
    index("booper_jobs_key").on(t.projectId, t.idempotencyKey, t.number),
  ],
);
