import { z } from "zod";
import { TASK_ID_PATTERN } from "./keys";
import { labelsSchema } from "./task-input";
import { TASK_STATES } from "./task-view";

/** What a bulk action does to each task: a lifecycle command, or delete. */
export const BULK_ACTIONS = ["pause", "resume", "cancel", "delete"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The most tasks one bulk call acts on; `next_cursor` continues with the rest. */
export const BULK_PAGE_SIZE = 1000;

/** Which tasks a bulk action takes: every filter given must hold, and one must be given. */
const bulkFilterSchema = z
  .strictObject({
    ids: z
      .array(z.string().regex(TASK_ID_PATTERN, "must be a task id"))
      .min(1)
      .max(BULK_PAGE_SIZE)
      .optional()
      .meta({ description: "These tasks (1–1000 ids)" }),
    label: labelsSchema.optional().meta({
      description: "Tasks carrying every one of these labels (key → value)",
    }),
    name_prefix: z.string().min(1).max(200).optional().meta({
      description: "Tasks whose name starts with this",
    }),
    state: z.array(z.enum(TASK_STATES)).min(1).optional().meta({
      description: "Tasks in one of these states",
    }),
  })
  .refine(
    (f) =>
      f.ids !== undefined ||
      f.name_prefix !== undefined ||
      f.state !== undefined ||
      (f.label !== undefined && Object.keys(f.label).length > 0),
    { message: "must hold at least one of ids, label, name_prefix, state" },
  );

/** The body of POST /api/v1/tasks/bulk. */
export const bulkActionRequestSchema = z.strictObject({
  action: z.enum(BULK_ACTIONS).meta({
    description: "What to do to each task, with the rules of the one-task command",
  }),
  filter: bulkFilterSchema.meta({
    description: "Which tasks; filters combine, and an empty filter is refused",
  }),
  cursor: z.string().max(500).optional().meta({
    description: "`next_cursor` of the previous call, to act on the next tasks",
  }),
});
export type BulkActionRequest = z.output<typeof bulkActionRequestSchema>;
