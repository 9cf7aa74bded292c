import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { BelfryError } from "../core/errors";
import { booperRoutes } from "../dialects/booper";
import { chronosRoutes } from "../dialects/chronos";
import { loopitisRoutes } from "../dialects/loopitis";
import { taskStatusRoutes } from "../dialects/task-status";
import { VERSION } from "../version";
import type { AppEnv } from "./context";
import { crossOrigin } from "./cross-origin";
import { errorBody } from "./envelope";
import { docRoutes } from "./routes/docs";
import { meterRoutes } from "./routes/meter";
import { projectRoutes } from "./routes/projects";
import { taskRoutes } from "./routes/tasks";

/** The Worker's HTTP API. */
export const app = new Hono<AppEnv>();

app.use("*", crossOrigin);

app.get("/healthz", async (c) => {
  await c.env.DB.prepare("SELECT 1").first();
  return c.json({ ok: true, version: VERSION });
});

app.route("/api/v1", taskRoutes);
app.route("/api/v1", projectRoutes);
app.route("/api/v1", meterRoutes);
app.route("/api/v1/chronos", chronosRoutes);
app.route("/api/jobs", booperRoutes);
app.route("/requests", loopitisRoutes);
app.route("/", taskStatusRoutes);
app.route("/", docRoutes);

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
