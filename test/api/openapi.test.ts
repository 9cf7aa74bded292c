import { exports } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { app, openApiDocument } from "../../src/app";
import { createTaskSchema } from "../../src/core/task-input";
import type { AppEnv } from "../../src/http/context";
import { describeRoute } from "../../src/http/route-doc";
import { buildDocument, type JsonObject } from "../../src/openapi/document";
import { listTasksQuerySchema } from "../../src/task/commands";
import {
  attemptPageSchema,
  createdProjectSchema,
  deletedTaskSchema,
  errorEnvelopeSchema,
  healthSchema,
  issuedKeySchema,
  revokedKeySchema,
  rotatedSecretSchema,
  successEnvelope,
  taskPageSchema,
  taskViewSchema,
} from "../../src/wire/answers";
import {
  ADMIN_TOKEN,
  api,
  bucket,
  createProject,
  eventually,
  type TestProject,
} from "../support/helpers";

// The document is checked against the OpenAPI 3.1 schema by test/e2e/openapi.test.ts, in Node:
// the validator reads its schema files from disk, which workerd cannot.

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function obj(value: unknown): JsonObject {
  return value !== null && typeof value === "object" ? (value as JsonObject) : {};
}

/** "METHOD /path/{param}" for every operation of the document. */
function documented(doc: JsonObject): Set<string> {
  const ops = new Set<string>();
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    for (const method of METHODS) {
      if (obj(item)[method]) ops.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return ops;
}

/** "METHOD /path/{param}" for every route the Hono app serves (middleware left out). */
function served(): Set<string> {
  return new Set(
    app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
  );
}

function operation(doc: JsonObject, method: string, path: string): JsonObject {
  return obj(obj(obj(doc.paths)[path])[method]);
}

/** Parse a real answer with the schema the document was generated from. */
function expectShape(schema: z.ZodType, body: unknown): void {
  const result = schema.safeParse(body);
  expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
}

let doc: JsonObject;
let project: TestProject;

beforeAll(async () => {
  const res = await api<JsonObject>("GET", "/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = res.json;
  project = await createProject("openapi");
});

describe("GET /openapi.json", () => {
  it("serves the generated OpenAPI 3.1 document without auth", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc).toEqual(openApiDocument());
  });

  it("documents every route the app serves, and nothing it does not", () => {
    const routes = served();
    const ops = documented(doc);
    expect([...routes].filter((r) => !ops.has(r))).toEqual([]);
    expect([...ops].filter((o) => !routes.has(o))).toEqual([]);
    expect(ops).toContain("POST /api/v1/tasks");
    expect(ops).toContain("DELETE /api/v1/projects/{id}/keys/{keyId}");
  });

  it("states the credentials each route takes", () => {
    for (const [path, item] of Object.entries(obj(doc.paths))) {
      for (const method of METHODS) {
        const op = obj(obj(item)[method]);
        if (!op.security) continue;
        const schemes = (op.security as JsonObject[]).flatMap((s) => Object.keys(s));
        if (path.startsWith("/api/v1/projects")) expect(schemes, path).toEqual(["adminToken"]);
        else if (path.startsWith("/api/v1/tasks")) expect(schemes, path).toEqual(["apiKey"]);
      }
    }
    expect(operation(doc, "get", "/healthz").security).toEqual([]);
    expect(obj(obj(doc.components).securitySchemes).apiKey).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
  });

  it("takes request bodies and query parameters from the validating schemas", () => {
    const schemas = obj(obj(doc.components).schemas);
    const create = obj(schemas.CreateTask);
    expect(Object.keys(obj(create.properties)).sort()).toEqual(
      Object.keys(createTaskSchema.shape).sort(),
    );
    expect(create.required).toEqual(["url", "schedule"]);
    expect(create.additionalProperties).toBe(false);
    // Input form: a duration may be written as a number, a string or a tuple.
    const every = obj(obj(obj(obj(create.properties).schedule).properties).every);
    expect((every.anyOf as unknown[]).length).toBe(3);

    const createOp = operation(doc, "post", "/api/v1/tasks");
    expect(obj(obj(obj(createOp.requestBody).content)["application/json"]).schema).toEqual({
      $ref: "#/components/schemas/CreateTask",
    });
    const listOp = operation(doc, "get", "/api/v1/tasks");
    const params = (listOp.parameters as JsonObject[]).map((p) => p.name);
    expect(params.sort()).toEqual(Object.keys(listTasksQuerySchema.shape).sort());
  });

  it("describes error answers with the error envelope", () => {
    const getOp = operation(doc, "get", "/api/v1/tasks/{id}");
    expect(obj(getOp.responses)["404"]).toEqual({ $ref: "#/components/responses/NotFound" });
    const notFound = obj(obj(obj(doc.components).responses).NotFound);
    expect(obj(obj(notFound.content)["application/json"]).schema).toEqual({
      $ref: "#/components/schemas/Error",
    });
  });
});

describe("the documented answers are the real answers", () => {
  it("task routes", async () => {
    const key = project.key;
    const hook = bucket();
    const created = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
      key,
      body: { name: "doc", url: hook.url, body: { a: [1, null] }, schedule: { delay: "1h" } },
    });
    expect(created.status).toBe(201);
    expectShape(successEnvelope(taskViewSchema), created.json);
    const id = created.json.payload.id;

    const cron = await api("POST", "/api/v1/tasks", {
      key,
      body: { url: hook.url, schedule: { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" } },
    });
    expectShape(successEnvelope(taskViewSchema), cron.json);

    expectShape(successEnvelope(taskPageSchema), (await api("GET", "/api/v1/tasks", { key })).json);
    expectShape(
      successEnvelope(taskViewSchema),
      (await api("POST", `/api/v1/tasks/${id}/run`, { key })).json,
    );
    await hook.waitForCalls(1);
    const history = await eventually(async () => {
      const res = await api<{ payload: { results: unknown[] } }>(
        "GET",
        `/api/v1/tasks/${id}/executions`,
        { key },
      );
      return res.json.payload.results.length > 0 ? res.json : undefined;
    });
    expectShape(successEnvelope(attemptPageSchema), history);

    const deleted = await api("DELETE", `/api/v1/tasks/${id}`, { key });
    expectShape(successEnvelope(deletedTaskSchema), deleted.json);
    const missing = await api("GET", `/api/v1/tasks/${id}`, { key });
    expect(missing.status).toBe(404);
    expectShape(errorEnvelopeSchema, missing.json);
    const invalid = await api("POST", "/api/v1/tasks", { key, body: { url: hook.url } });
    expect(invalid.status).toBe(400);
    expectShape(errorEnvelopeSchema, invalid.json);
  });

  it("project routes and /healthz", async () => {
    const admin = ADMIN_TOKEN;
    const created = await api<{ payload: { project: { id: string } } }>(
      "POST",
      "/api/v1/projects",
      { key: admin, body: { name: "documented" } },
    );
    expectShape(successEnvelope(createdProjectSchema), created.json);
    const id = created.json.payload.project.id;
    const issued = await api<{ payload: { key_id: string } }>(
      "POST",
      `/api/v1/projects/${id}/keys`,
      { key: admin },
    );
    expectShape(successEnvelope(issuedKeySchema), issued.json);
    const revoked = await api(
      "DELETE",
      `/api/v1/projects/${id}/keys/${issued.json.payload.key_id}`,
      {
        key: admin,
      },
    );
    expectShape(successEnvelope(revokedKeySchema), revoked.json);
    const rotated = await api("POST", `/api/v1/projects/${id}/signing-secret/rotate`, {
      key: admin,
    });
    expectShape(successEnvelope(rotatedSecretSchema), rotated.json);
    expectShape(healthSchema, (await api("GET", "/healthz")).json);
  });
});

describe("GET /docs", () => {
  it("renders every operation and schema on one self-contained page", async () => {
    const res = await exports.default.fetch("http://belfry.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    for (const op of documented(doc)) {
      const [method = "", path = ""] = op.split(" ");
      expect(html).toContain(`${method} ${path.replace(/&/g, "&amp;")}`);
    }
    for (const name of ["Task", "Execution", "CreateTask", "Error"]) {
      expect(html).toContain(`id="schema-${name}"`);
    }
    expect(html).toContain("schedule.every");
    expect(html).not.toMatch(/<script|<link|src="http/);
  });
});

describe("the document is built from the routes themselves", () => {
  it("refuses a served route without documentation", () => {
    const undocumented = new Hono<AppEnv>();
    undocumented.get("/orphan", (c) => c.text("x"));
    expect(() => buildDocument(undocumented)).toThrow("route get /orphan has no describeRoute");

    const documented = new Hono<AppEnv>();
    documented.get(
      "/here",
      describeRoute({
        operationId: "here",
        tag: "Service",
        summary: "x",
        answers: { 200: { type: "object", description: "x" } },
      }),
      (c) => c.text("x"),
    );
    expect(operation(buildDocument(documented), "get", "/here").operationId).toBe("here");
  });

  it("reads body, query, credentials and implied errors from the registered middleware", () => {
    const create = operation(doc, "post", "/api/v1/tasks");
    const statuses = Object.keys(obj(create.responses)).sort();
    expect(statuses).toEqual(["200", "201", "400", "401", "409", "413", "415", "429", "500"]);
    const health = operation(doc, "get", "/healthz");
    // No credential: limited per client address.
    expect(Object.keys(obj(health.responses)).sort()).toEqual(["200", "429", "500"]);
    const rotate = operation(doc, "post", "/api/v1/projects/{id}/signing-secret/rotate");
    expect(rotate.security).toEqual([{ adminToken: [] }]);
    // The optional body: 400 when it does not validate, 415 when it is not JSON.
    expect(Object.keys(obj(rotate.responses)).sort()).toEqual([
      "200",
      "400",
      "401",
      "404",
      "415",
      "429",
      "500",
    ]);
  });
});
