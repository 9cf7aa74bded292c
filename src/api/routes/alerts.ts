import { Hono } from "hono";
import { alertDestinationSchema } from "../../core/alerts";
import { requireApiKey } from "../../http/auth";
import type { AppEnv } from "../../http/context";
import { success } from "../../http/envelope";
import { describeRoute } from "../../http/route-doc";
import { jsonBody, validate } from "../../http/validation";
import {
  getAlertDestination,
  putAlertDestination,
  removeAlertDestination,
} from "../../task/alert-commands";
import { alertDestinationViewSchema, removedAlertsSchema } from "../../wire/answers";

/** The project's one alert destination: GET, PUT and DELETE /api/v1/alerts. */
export const alertRoutes = new Hono<AppEnv>();

alertRoutes.use("/alerts", requireApiKey);

alertRoutes.get(
  "/alerts",
  describeRoute({
    operationId: "getAlerts",
    tag: "Alerts",
    summary: "Read the project's alert destination",
    description: "404 when the project has none.",
    answers: { 200: { payload: alertDestinationViewSchema, description: "The destination" } },
    errors: [404],
  }),
  async (c) => success(c, await getAlertDestination(c.env, c.var.projectId)),
);

alertRoutes.put(
  "/alerts",
  describeRoute({
    operationId: "setAlerts",
    tag: "Alerts",
    summary: "Set the project's alert destination",
    description:
      "Replaces the one destination. Its alerts (occurrence.failed, task.paused, task.recovered, task.failed; the `alert` webhook) are signed POSTs, kept until it answers 2xx and retried for up to 24 h. Running tasks pick the change up at once.",
    answers: { 200: { payload: alertDestinationViewSchema, description: "The destination set" } },
  }),
  jsonBody,
  validate("json", alertDestinationSchema),
  async (c) => {
    const tell = (push: Promise<unknown>) => c.executionCtx.waitUntil(push);
    const body = c.req.valid("json");
    return success(c, await putAlertDestination(c.env, c.var.projectId, body, tell));
  },
);

alertRoutes.delete(
  "/alerts",
  describeRoute({
    operationId: "removeAlerts",
    tag: "Alerts",
    summary: "Remove the project's alert destination",
    description: "No more alerts are raised; alerts already queued are still delivered.",
    answers: { 200: { payload: removedAlertsSchema, description: "Removed" } },
  }),
  async (c) => {
    const tell = (push: Promise<unknown>) => c.executionCtx.waitUntil(push);
    return success(c, await removeAlertDestination(c.env, c.var.projectId, tell));
  },
);
