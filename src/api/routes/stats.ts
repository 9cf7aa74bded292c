import { Hono } from "hono";
import { requireApiKey } from "../../http/auth";
import type { AppEnv } from "../../http/context";
import { success } from "../../http/envelope";
import { describeRoute } from "../../http/route-doc";
import { validate } from "../../http/validation";
import { projectStats, statsQuerySchema } from "../../task/commands";
import { statsSchema } from "../../wire/answers";

/** A project's stats: GET /api/v1/stats. */
export const statsRoutes = new Hono<AppEnv>();

statsRoutes.use("/stats", requireApiKey);
statsRoutes.get(
  "/stats",
  describeRoute({
    operationId: "projectStats",
    tag: "Tasks",
    summary: "The project's tasks by state, and its executions and lateness over a window",
    description:
      "Read from aggregates the history writer keeps per minute, never from history rows. Executions reach them with their history; lateness is of first attempts, as fine as its histogram's buckets.",
    answers: { 200: { payload: statsSchema, description: "The stats" } },
  }),
  validate("query", statsQuerySchema),
  async (c) => {
    return success(c, await projectStats(c.env, c.var.projectId, c.req.valid("query")));
  },
);
