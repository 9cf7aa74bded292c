import { Hono } from "hono";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { alertDestinationSchema } from "../core/alerts";
import { BelfryError } from "../core/errors";
import { parseOrThrow } from "../core/parse-input";
import { schedulePreviewRequestSchema } from "../core/schedule-preview";
import { labelFilterSchema } from "../core/task-input";
import { TASK_STATES, type TaskState } from "../core/task-view";
import { verifyApiKey } from "../http/auth";
import {
  getAlertDestination,
  putAlertDestination,
  removeAlertDestination,
} from "../task/alert-commands";
import {
  changeTaskState,
  createTask,
  deleteTask,
  getTask,
  listExecutions,
  listProjectExecutions,
  listTasks,
  previewTaskSchedule,
  projectStats,
  replayExecution,
} from "../task/commands";
import { NEW_TASK_SCRIPT, STYLESHEET } from "./assets";
import {
  apiContext,
  checkOrigin,
  type DashboardContext,
  type DashboardEnv,
  endSession,
  readForm,
  requireSession,
  securityHeaders,
  sessionSecret,
  startSession,
} from "./guard";
import { Refusal } from "./refusal";
import { newSession } from "./session";
import {
  blankTaskForm,
  createInputFromForm,
  readTaskForm,
  scheduleFromForm,
  type TaskForm,
} from "./task-form";
import { AlertsPage } from "./views/alerts";
import { ConfirmPage, ProblemPage } from "./views/confirm";
import { FailuresPage } from "./views/failures";
import type { PageContext } from "./views/layout";
import type { PageLinks } from "./views/list-controls";
import { NewTaskPage } from "./views/new-task";
import { SignInPage } from "./views/sign-in";
import { StatsBar } from "./views/stats";
import { DESTRUCTIVE, TASK_ACTIONS, type TaskAction, TaskPage } from "./views/task";
import { TasksPage } from "./views/tasks";

/**
 * The dashboard at /dashboard: server-rendered pages over the same commands the API runs
 * (task/commands.ts), in-process. docs/dashboard.md describes sessions, CSRF and the CSP.
 */
export const dashboard = new Hono<DashboardEnv>().basePath("/dashboard");

/** Whether a request is the dashboard's (the Worker's entry sends it here). */
export function isDashboardPath(pathname: string): boolean {
  return pathname === "/dashboard" || pathname.startsWith("/dashboard/");
}

const TASKS_PER_PAGE = 25;
const EXECUTIONS_PER_PAGE = 25;
/** Runs the New task page lists as the schedule is typed. */
const PREVIEW_RUNS = 5;
/** The chart's attempts. */
const CHART_ATTEMPTS = 100;

/** A full HTML document. */
function render(c: DashboardContext, node: Child, status: ContentfulStatusCode = 200) {
  return c.html(html`<!DOCTYPE html>${node}`, status);
}

/** What every signed-in page needs from the request, without the header's figures. */
function pageContext(c: DashboardContext, current: PageContext["current"]): PageContext {
  return { csrf: c.var.csrf, nonce: c.var.nonce, current };
}

/** A signed-in page's context with the header's figures: the project's stats of a day. */
async function signedIn(
  c: DashboardContext,
  current: PageContext["current"],
): Promise<PageContext> {
  const stats = await projectStats(c.env, c.var.projectId, { window: "24h" });
  return { ...pageContext(c, current), stats: <StatsBar stats={stats} /> };
}

dashboard.use("*", securityHeaders);

dashboard.get("/assets/dashboard.css", (c) =>
  c.body(STYLESHEET, 200, {
    "Content-Type": "text/css; charset=utf-8",
    "Cache-Control": "public, max-age=300",
  }),
);

dashboard.get("/assets/new-task.js", (c) =>
  c.body(NEW_TASK_SCRIPT, 200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "public, max-age=300",
  }),
);

dashboard.get("/sign-in", (c) => render(c, <SignInPage nonce={c.var.nonce} />));

dashboard.post("/sign-in", async (c) => {
  checkOrigin(c);
  sessionSecret(c.env);
  const form = await readForm(c);
  const key = (form.get("api_key") ?? "").trim();
  const refused = (message: string, status: ContentfulStatusCode) =>
    render(c, <SignInPage nonce={c.var.nonce} error={message} />, status);
  if (key === "") return refused("Enter an API key.", 400);
  let verified: Awaited<ReturnType<typeof verifyApiKey>>;
  try {
    verified = await verifyApiKey(apiContext(c), key);
  } catch (error) {
    if (error instanceof BelfryError && error.code === "unauthorized") {
      return refused("That API key is not valid: it is unknown or revoked.", 401);
    }
    throw error;
  }
  if (verified instanceof Response) {
    const retry = verified.headers.get("retry-after") ?? "a few";
    return refused(`Too many attempts from this address; try again in ${retry} seconds.`, 429);
  }
  await startSession(c, newSession(verified.keyId, verified.projectId, Date.now()));
  return c.redirect("/dashboard", 303);
});

// Everything below needs a session; every POST below also needs its origin and CSRF token.
dashboard.use("*", requireSession);

dashboard.post("/sign-out", (c) => {
  endSession(c);
  return c.redirect("/dashboard/sign-in", 303);
});

/** The query of a page link, from the filters that are set. */
function link(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The label filter a list page was asked for (`key:value`), parsed as the API parses it. */
function labelFilter(label: string | undefined) {
  return label ? { label: parseOrThrow(labelFilterSchema, label, "label") } : {};
}

/** A list's links to its first page (when read at `cursor`) and its next, keeping its filters. */
function pageLinks(
  path: string,
  filters: Record<string, string | undefined>,
  cursor: string | undefined,
  page: { next_cursor: string | null } | undefined,
): PageLinks {
  return {
    firstPage: cursor && page ? link(path, filters) : null,
    nextPage: page?.next_cursor ? link(path, { ...filters, cursor: page.next_cursor }) : null,
  };
}

dashboard.get("/", async (c) => {
  const stateParam = c.req.query("state") ?? "";
  const state = (TASK_STATES as readonly string[]).includes(stateParam)
    ? (stateParam as TaskState)
    : undefined;
  const label = c.req.query("label")?.trim() || undefined;
  const name = c.req.query("name")?.trim() || undefined;
  const cursor = c.req.query("cursor") || undefined;
  const filters = { state, label, name };
  const [page, found] = await Promise.all([
    signedIn(c, "tasks"),
    listed(() =>
      listTasks(c.env, c.var.projectId, {
        limit: TASKS_PER_PAGE,
        ...(state && { state: [state] }),
        ...labelFilter(label),
        ...(name && { name }),
        ...(cursor && { cursor }),
      }),
    ),
  ]);
  return render(
    c,
    <TasksPage
      page={page}
      tasks={found.page?.results ?? []}
      filters={filters}
      {...pageLinks("/dashboard", filters, cursor, found.page)}
      {...(found.error !== undefined && { error: found.error })}
      {...(c.req.query("done") === "deleted" && { notice: "Task deleted." })}
    />,
    found.page ? 200 : 400,
  );
});

dashboard.get("/failures", async (c) => {
  const cursor = c.req.query("cursor") || undefined;
  const label = c.req.query("label")?.trim() || undefined;
  const [page, found] = await Promise.all([
    signedIn(c, "failures"),
    listed(() =>
      listProjectExecutions(c.env, c.var.projectId, {
        successful: false,
        limit: TASKS_PER_PAGE,
        ...labelFilter(label),
        ...(cursor && { cursor }),
      }),
    ),
  ]);
  return render(
    c,
    <FailuresPage
      page={page}
      failures={found.page?.results ?? []}
      label={label}
      cursor={cursor}
      {...pageLinks("/dashboard/failures", { label }, cursor, found.page)}
      {...(found.error !== undefined && { error: found.error })}
      {...(c.req.query("done") === "replayed" && {
        notice: "Replayed: the request is on its way again.",
      })}
    />,
    found.page ? 200 : 400,
  );
});

/**
 * Read a list page; a filter the command refuses (a label without its colon) comes back as the
 * message to show above an empty table, with a 400.
 */
async function listed<T>(read: () => Promise<T>): Promise<{ page?: T; error?: string }> {
  try {
    return { page: await read() };
  } catch (error) {
    if (!(error instanceof BelfryError) || error.code !== "invalid_request") throw error;
    return { error: error.message };
  }
}

dashboard.post("/failures/replay", async (c) => {
  const taskId = c.var.form.get("task_id") ?? "";
  const executionId = c.var.form.get("execution_id") ?? "";
  await replayExecution(c.env, c.var.projectId, taskId, executionId);
  // Back to the page the replay was made from: its filter and its place in the list.
  const back = new URLSearchParams();
  for (const name of ["label", "cursor"]) {
    const value = c.var.form.get(name);
    if (value) back.set(name, value);
  }
  back.set("done", "replayed");
  return c.redirect(`/dashboard/failures?${back}`, 303);
});

/** Notices after an action, by the `done` query parameter of the redirect. */
const NOTICES: Record<string, string> = {
  created: "Task created.",
  pause: "Paused.",
  resume: "Resumed.",
  run: "Running now: the call is on its way.",
  cancel: "Cancelled.",
};

async function taskPage(c: DashboardContext, id: string, error?: BelfryError) {
  const [task, page] = await Promise.all([
    getTask(c.env, c.var.projectId, id),
    signedIn(c, "task"),
  ]);
  const cursor = c.req.query("executions") || undefined;
  const [recent, executions] = await Promise.all([
    listExecutions(c.env, c.var.projectId, id, { limit: CHART_ATTEMPTS }),
    listExecutions(c.env, c.var.projectId, id, {
      limit: EXECUTIONS_PER_PAGE,
      ...(cursor && { cursor }),
    }),
  ]);
  const notice = error ? undefined : NOTICES[c.req.query("done") ?? ""];
  return render(
    c,
    <TaskPage
      page={page}
      task={task}
      recent={recent.results}
      executions={executions.results}
      olderExecutions={
        executions.next_cursor &&
        link(`/dashboard/tasks/${id}`, { executions: executions.next_cursor })
      }
      {...(notice && { notice })}
      {...(error && { error: error.message })}
    />,
    (error?.status ?? 200) as ContentfulStatusCode,
  );
}

dashboard.get("/tasks/:id", (c) => taskPage(c, c.req.param("id")));

const CONFIRM: Record<string, { title: string; question: string; button: string }> = {
  cancel: {
    title: "Cancel this task?",
    question:
      "It will make no more calls. It stays readable, with its history, but cannot be resumed.",
    button: "Yes, cancel the task",
  },
  delete: {
    title: "Delete this task?",
    question: "It is cancelled and removed from the list; its history stays until retention.",
    button: "Yes, delete the task",
  },
};

dashboard.post("/tasks/:id/:action", async (c) => {
  const id = c.req.param("id");
  const action = c.req.param("action");
  if (!(TASK_ACTIONS as readonly string[]).includes(action)) {
    throw new BelfryError("not_found", "no such action");
  }
  const taskAction = action as TaskAction;
  const confirm = CONFIRM[taskAction];
  if (DESTRUCTIVE.has(taskAction) && confirm && c.var.form.get("confirmed") !== "yes") {
    // Make sure the task is the project's before asking about it.
    await getTask(c.env, c.var.projectId, id);
    return render(
      c,
      <ConfirmPage
        page={pageContext(c, "task")}
        title={confirm.title}
        question={confirm.question}
        button={confirm.button}
        action={`/dashboard/tasks/${id}/${taskAction}`}
        back={`/dashboard/tasks/${id}`}
      />,
    );
  }
  try {
    if (taskAction === "delete") {
      await deleteTask(c.env, c.var.projectId, id);
      return c.redirect("/dashboard?done=deleted", 303);
    }
    await changeTaskState(c.env, c.var.projectId, id, taskAction);
  } catch (error) {
    // A refused change (resuming a finished task, too many runs queued) is shown on the page.
    if (error instanceof BelfryError && error.code === "conflict") return taskPage(c, id, error);
    throw error;
  }
  return c.redirect(link(`/dashboard/tasks/${id}`, { done: taskAction }), 303);
});

async function newTaskPage(c: DashboardContext, form: TaskForm, error?: BelfryError) {
  return render(
    c,
    <NewTaskPage
      page={await signedIn(c, "new")}
      script="/dashboard/assets/new-task.js"
      form={form}
      {...(error && {
        error: { message: error.message, paths: error.details.map((d) => d.path) },
      })}
    />,
    (error?.status ?? 200) as ContentfulStatusCode,
  );
}

/** The next runs of the schedule typed so far, for the New task page's script. */
dashboard.get("/preview", (c) => {
  try {
    const form = readTaskForm(new URLSearchParams(c.req.query()));
    const request = parseOrThrow(schedulePreviewRequestSchema, {
      schedule: scheduleFromForm(form),
      count: PREVIEW_RUNS,
    });
    const runs = previewTaskSchedule(c.env, request).map((ms) => new Date(ms).toISOString());
    return c.json({ runs });
  } catch (error) {
    if (error instanceof BelfryError && error.status < 500) {
      return c.json({ error: error.message }, 400);
    }
    throw error;
  }
});

dashboard.get("/new", (c) => newTaskPage(c, blankTaskForm()));

dashboard.post("/new", async (c) => {
  const form = readTaskForm(c.var.form);
  try {
    const input = createInputFromForm(form);
    const { snapshot } = await createTask(c.env, c.var.projectId, input);
    return c.redirect(link(`/dashboard/tasks/${snapshot.definition.id}`, { done: "created" }), 303);
  } catch (error) {
    // The form comes back with what was typed and the field the API refused.
    if (error instanceof BelfryError && error.status < 500) return newTaskPage(c, form, error);
    throw error;
  }
});

/** The project's alert destination, or null when it has none. */
async function alertDestination(c: DashboardContext) {
  try {
    return await getAlertDestination(c.env, c.var.projectId);
  } catch (error) {
    if (error instanceof BelfryError && error.code === "not_found") return null;
    throw error;
  }
}

const ALERT_NOTICES: Record<string, string> = {
  saved: "Alert destination saved.",
  removed: "Alert destination removed.",
};

dashboard.get("/alerts", async (c) => {
  const [page, destination] = await Promise.all([signedIn(c, "alerts"), alertDestination(c)]);
  const notice = ALERT_NOTICES[c.req.query("done") ?? ""];
  return render(
    c,
    <AlertsPage page={page} destination={destination} {...(notice && { notice })} />,
  );
});

dashboard.post("/alerts", async (c) => {
  const typed = { url: (c.var.form.get("url") ?? "").trim(), events: c.var.form.getAll("events") };
  // The project's running tasks learn of the change in the background.
  const tell = (push: Promise<unknown>) => c.executionCtx.waitUntil(push);
  try {
    const input = parseOrThrow(alertDestinationSchema, typed);
    await putAlertDestination(c.env, c.var.projectId, input, tell);
  } catch (error) {
    if (!(error instanceof BelfryError) || error.status >= 500) throw error;
    const [page, destination] = await Promise.all([signedIn(c, "alerts"), alertDestination(c)]);
    return render(
      c,
      <AlertsPage page={page} destination={destination} typed={typed} error={error.message} />,
      error.status as ContentfulStatusCode,
    );
  }
  return c.redirect("/dashboard/alerts?done=saved", 303);
});

dashboard.post("/alerts/remove", async (c) => {
  if (c.var.form.get("confirmed") !== "yes") {
    return render(
      c,
      <ConfirmPage
        page={pageContext(c, "alerts")}
        title="Remove the alert destination?"
        question="No alerts will be sent until a destination is set again."
        button="Yes, remove it"
        action="/dashboard/alerts/remove"
        back="/dashboard/alerts"
      />,
    );
  }
  await removeAlertDestination(c.env, c.var.projectId, (push) => c.executionCtx.waitUntil(push));
  return c.redirect("/dashboard/alerts?done=removed", 303);
});

dashboard.notFound((c) => {
  if (!c.var.csrf) return render(c, <SignInPage nonce={c.var.nonce} error="No such page." />, 404);
  return render(
    c,
    <ProblemPage page={pageContext(c, "tasks")} title="Not found" message="No such page." />,
    404,
  );
});

dashboard.onError((error, c) => {
  const status = (
    error instanceof Refusal || (error instanceof BelfryError && error.status < 500)
      ? error.status
      : 500
  ) as ContentfulStatusCode;
  if (status === 500) {
    console.error(
      JSON.stringify({ event: "unhandled_error", error: String(error), stack: error.stack }),
    );
  }
  const message = status === 500 ? "Something went wrong on our side." : error.message;
  if (!c.var.csrf) {
    // No session (or not yet checked): the sign-in page, with why.
    return render(c, <SignInPage nonce={c.var.nonce} error={message} />, status);
  }
  const title = status === 404 ? "Not found" : "Not done";
  return render(
    c,
    <ProblemPage page={pageContext(c, "tasks")} title={title} message={message} />,
    status,
  );
});
