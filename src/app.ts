import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { alertRoutes } from "./api/routes/alerts";
import { meterRoutes } from "./api/routes/meter";
import { projectRoutes } from "./api/routes/projects";
import { scheduleRoutes } from "./api/routes/schedules";
import { statsRoutes } from "./api/routes/stats";
import { taskRoutes } from "./api/routes/tasks";
import { BelfryError } from "./core/errors";
import { booperRoutes } from "./dialects/booper";
import { chronosRoutes } from "./dialects/chronos";
import { loopitisRoutes } from "./dialects/loopitis";
import { taskStatusRoutes } from "./dialects/task-status";
import type { AppEnv } from "./http/context";
import { crossOrigin } from "./http/cross-origin";
import { errorBody } from "./http/envelope";
import { limitByAddress } from "./http/rate-limit";
import { describeRoute } from "./http/route-doc";
import { renderDocsPage } from "./openapi/docs-page";
import { buildDocument, type JsonObject } from "./openapi/document";
import { VERSION } from "./version";
import { healthSchema } from "./wire/answers";

/**
 * The Worker's HTTP API: the composition root. The native API (api/) and the dialects
 * (dialects/) are mounted here, and the OpenAPI document is built from this app itself.
 */
export const app = new Hono<AppEnv>();

app.use("*", crossOrigin);

app.get(
  "/healthz",
  describeRoute({
    operationId: "health",
    tag: "Service",
    summary: "Health check (checks D1)",
    auth: "none",
    answers: { 200: { bare: healthSchema, description: "Healthy" } },
  }),
  // Anyone may ask, and each answer costs a D1 query: limited per address, as other requests
  // without a credential are.
  limitByAddress,
  async (c) => {
    await c.env.DB.prepare("SELECT 1").first();
    return c.json({ ok: true, version: VERSION });
  },
);

app.route("/api/v1", taskRoutes);
app.route("/api/v1", projectRoutes);
app.route("/api/v1", statsRoutes);
app.route("/api/v1", scheduleRoutes);
app.route("/api/v1", alertRoutes);
app.route("/api/v1", meterRoutes);
app.route("/api/v1/chronos", chronosRoutes);
app.route("/api/jobs", booperRoutes);
app.route("/requests", loopitisRoutes);
app.route("/", taskStatusRoutes);

// The API's own description, without auth: /openapi.json for machines, /docs for people.
let document: JsonObject | undefined;
let page: string | undefined;

/** The OpenAPI 3.1 document of this app, built once per isolate. */
export function openApiDocument(): JsonObject {
  document ??= buildDocument(app);
  return document;
}

app.get(
  "/openapi.json",
  describeRoute({
    operationId: "openApiDocument",
    tag: "Service",
    summary: "This document",
    answers: { 200: { type: "object", description: "OpenAPI 3.1" } },
  }),
  (c) => c.json(openApiDocument()),
);

app.get(
  "/docs",
  describeRoute({
    operationId: "apiReference",
    tag: "Service",
    summary: "This document as a page",
    answers: { 200: { type: "html", description: "HTML" } },
  }),
  (c) => {
    page ??= renderDocsPage(openApiDocument());
    return c.html(page);
  },
);

app.notFound((c) => c.json(errorBody(new BelfryError("not_found", "no such route")), 404));

app.onError((error, c) => {
  if (error instanceof BelfryError) {
    return c.json(errorBody(error), error.status as 400);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own refusals (e.g. a malformed request line) are the caller's, not bugs.
    const code = error.status === 413 ? "payload_too_large" : "invalid_request";
    return c.json(
      errorBody(new BelfryError(code, error.message || "invalid request")),
      error.status,
    );
  }
  console.error(
    JSON.stringify({ event: "unhandled_error", error: String(error), stack: error.stack }),
  );
  return c.json(errorBody(new BelfryError("internal", "internal error")), 500);
});
