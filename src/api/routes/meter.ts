import { Hono } from "hono";
import { BelfryError } from "../../core/errors";
import { requireAdmin } from "../../http/auth";
import type { AppEnv } from "../../http/context";
import { describeRoute } from "../../http/route-doc";
import { meterReadings } from "../../metering";

/**
 * The isolate's counts of billable operations, read by `npm run bench` before and after each
 * scenario to price a call (docs/performance.md). Admin only, and served only where the var
 * BELFRY_METER is "1": elsewhere the route does not exist.
 */
export const meterRoutes = new Hono<AppEnv>();

meterRoutes.use("/admin/meter", async (c, next) => {
  if (c.env.BELFRY_METER !== "1") throw new BelfryError("not_found", "no such route");
  await next();
});
meterRoutes.use("/admin/meter", requireAdmin);
meterRoutes.get(
  "/admin/meter",
  describeRoute({
    operationId: "meterReadings",
    tag: "Service",
    summary: "Counts of billable operations (only where BELFRY_METER=1)",
    description:
      "What this isolate did since it started: DO requests, rows written, Queue messages, calls. Used by `npm run bench`; a 404 unless the var BELFRY_METER is 1.",
    answers: { 200: { type: "object", description: "Counts by operation" } },
    errors: [404],
  }),
  (c) => c.json(meterReadings()),
);
