import { loopitisRequestSchema, loopitisUpdateSchema } from "../dialects/loopitis";
import type { RouteAnswer, RouteDoc } from "../http/route-doc";
import { deletedTaskSchema, taskViewSchema } from "../wire/answers";

/**
 * The documentation of the dialect routes and the root task-status alias, by "METHOD /path".
 * Their methods, paths, validators and auth come from the routes themselves, as for every
 * route; the build fails when an entry here names a route the app does not serve, or a served
 * route has neither this nor a `describeRoute`. A dialect route that declares its own
 * `describeRoute` where it is registered no longer needs its entry here.
 */

const dialectAnswer = (description: string, type: "object" | "array" = "object"): RouteAnswer => ({
  type,
  description,
});

export const DIALECT_DOCS = new Map<string, RouteDoc>([
  [
    "POST /api/v1/chronos/tasks",
    {
      operationId: "chronosCreateTask",
      tag: "Chronos",
      summary: "Create a task, Chronos style",
      description:
        "`schedule` is `min hour dom mon dow year` (day fields AND-ed) or an RFC 3339 instant; `payload` is the JSON body; the method defaults to GET.",
      answers: { 201: dialectAnswer("The task, as Chronos shows it") },
    },
  ],
  [
    "GET /api/v1/chronos/tasks",
    {
      operationId: "chronosListTasks",
      tag: "Chronos",
      summary: "List tasks, Chronos style",
      answers: { 200: dialectAnswer("{current_page, total_pages, total_results, results}") },
    },
  ],
  [
    "GET /api/v1/chronos/tasks/{id}",
    {
      operationId: "chronosGetTask",
      tag: "Chronos",
      summary: "Read a task, Chronos style",
      answers: { 200: dialectAnswer("The task, as Chronos shows it") },
    },
  ],
  [
    "DELETE /api/v1/chronos/tasks/{id}",
    {
      operationId: "chronosDeleteTask",
      tag: "Chronos",
      summary: "Cancel and remove a task",
      answers: { 200: { bare: deletedTaskSchema, description: "Removed" } },
    },
  ],
  [
    "GET /api/v1/chronos/tasks/{id}/history",
    {
      operationId: "chronosTaskHistory",
      tag: "Chronos",
      summary: "A task's attempts, Chronos style",
      answers: { 200: dialectAnswer("{current_page, total_pages, total_results, results}") },
    },
  ],
  [
    "POST /api/jobs",
    {
      operationId: "booperCreateJob",
      tag: "Booper",
      summary: "Create a job, Booper style",
      description:
        '`schedule_in` and `repeat_every` are seconds or `[n, "unit"]`; `scheduled_at` a datetime or unix seconds; `webhook_url` receives the job events.',
      answers: {
        201: dialectAnswer("{data: job}"),
        200: dialectAnswer(
          "{data: job} of the job an earlier create with this idempotency_key made",
        ),
      },
    },
  ],
  [
    "GET /api/jobs",
    {
      operationId: "booperListJobs",
      tag: "Booper",
      summary: "List jobs, Booper style",
      answers: { 200: dialectAnswer("{data: [job]}") },
    },
  ],
  [
    "GET /api/jobs/{id}",
    {
      operationId: "booperGetJob",
      tag: "Booper",
      summary: "Read a job",
      answers: { 200: dialectAnswer("{data: job}") },
    },
  ],
  [
    "POST /api/jobs/{id}/cancel",
    {
      operationId: "booperCancelJob",
      tag: "Booper",
      summary: "Cancel a job",
      answers: { 200: dialectAnswer("{data: job}") },
      errors: [409],
    },
  ],
  [
    "POST /requests",
    {
      operationId: "loopitisCreateRequest",
      tag: "Loopitis",
      summary: "Create a repeating request, Loopitis style",
      description:
        "Each call's body is the Loopitis envelope, with `cancelLink` and `showRequest` links that work without an API key.",
      body: loopitisRequestSchema,
      answers: { 201: dialectAnswer("The request, with its links") },
      errors: [413],
    },
  ],
  [
    "GET /requests",
    {
      operationId: "loopitisListRequests",
      tag: "Loopitis",
      summary: "List requests",
      answers: { 200: dialectAnswer("The requests", "array") },
    },
  ],
  [
    "GET /requests/{id}",
    {
      operationId: "loopitisGetRequest",
      tag: "Loopitis",
      summary: "Read a request and its executions",
      answers: { 200: dialectAnswer("The request") },
    },
  ],
  [
    "PUT /requests/{id}",
    {
      operationId: "loopitisUpdateRequest",
      tag: "Loopitis",
      summary: "Change a request's status or parameters",
      body: loopitisUpdateSchema,
      answers: { 200: dialectAnswer("The request") },
      errors: [409, 413],
    },
  ],
  ...(["GET", "POST"] as const).map((method): [string, RouteDoc] => [
    `${method} /requests/cancel_task`,
    {
      operationId: `loopitisCancelLink${method === "GET" ? "" : "Post"}`,
      tag: "Loopitis",
      summary: "Cancel a request through its cancelLink",
      description: "Authorised by the request's own token instead of an API key.",
      answers: { 200: dialectAnswer("The request") },
      errors: [404, 409],
    },
  ]),
  [
    "GET /requests/get_list",
    {
      operationId: "loopitisShowLink",
      tag: "Loopitis",
      summary: "Read a request through its showRequest link",
      description: "Authorised by the request's own token instead of an API key.",
      answers: { 200: dialectAnswer("The request") },
      errors: [404],
    },
  ],
  [
    "GET /get-task-status/{id}",
    {
      operationId: "getTaskStatusAtRoot",
      tag: "Tasks",
      summary: "Read a task (the task-status document's alias, at the root)",
      description: "The same as GET /api/v1/tasks/{id}, at the path the document names.",
      answers: { 200: { payload: taskViewSchema, description: "The task" } },
    },
  ],
]);
