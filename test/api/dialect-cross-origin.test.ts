import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { allowedOrigins } from "../../src/http/cross-origin";
import { api, bucket, createProject, type TestProject } from "../support/helpers";

// A browser page on another origin polling a task (the task-status document's JavaScript
// example, run in a page): allowed only for the origins a deployment lists in CORS_ORIGINS.

const PAGE = "https://status.example.com";

let project: TestProject;
let taskId: string;
beforeAll(async () => {
  project = await createProject("cross-origin");
  const res = await api<{ payload: { id: string } }>("POST", "/api/v1/tasks", {
    key: project.key,
    body: { url: bucket().url, schedule: { delay: "1h" } },
  });
  taskId = res.json.payload.id;
});

/** A request to the app with CORS_ORIGINS set as a deployment would set it. */
function request(path: string, init: RequestInit, corsOrigins?: string) {
  const bindings = corsOrigins === undefined ? env : { ...env, CORS_ORIGINS: corsOrigins };
  return app.request(`http://belfry.test${path}`, init, bindings);
}

/** The preflight a browser sends before a GET with an Authorization header. */
const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: {
    Origin: origin,
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
  },
});

describe("CORS_ORIGINS", () => {
  it("reads a comma list, ignoring blanks and trailing slashes", () => {
    expect(allowedOrigins(undefined)).toEqual([]);
    expect(allowedOrigins("")).toEqual([]);
    expect(allowedOrigins(" https://a.example , https://b.example/ ,")).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });

  it("off by default: no CORS headers, and a preflight is not answered", async () => {
    const pre = await request(`/get-task-status/${taskId}`, preflight(PAGE));
    expect(pre.status).toBe(404);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const res = await request(`/api/v1/tasks/${taskId}`, {
      headers: { Origin: PAGE, Authorization: `Bearer ${project.key}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  for (const path of ["/get-task-status", "/api/v1/get-task-status", "/api/v1/tasks"]) {
    it(`a listed origin may poll ${path}/{id}: preflight without a key, then the GET`, async () => {
      const setting = `https://other.example, ${PAGE}`;
      const pre = await request(`${path}/${taskId}`, preflight(PAGE), setting);
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe(PAGE);
      expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
      expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
        "authorization",
      );
      const res = await request(
        `${path}/${taskId}`,
        { headers: { Origin: PAGE, Authorization: `Bearer ${project.key}` } },
        setting,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe(PAGE);
      const body = (await res.json()) as { status: string; payload: { id: string } };
      expect(body).toMatchObject({ status: "success", payload: { id: taskId } });
    });
  }

  it("errors carry the header too, so the page can read why (401, 404)", async () => {
    const unauthorized = await request(
      `/get-task-status/${taskId}`,
      { headers: { Origin: PAGE } },
      PAGE,
    );
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(PAGE);
    const missing = await request(
      `/get-task-status/${crypto.randomUUID()}`,
      { headers: { Origin: PAGE, Authorization: `Bearer ${project.key}` } },
      PAGE,
    );
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(PAGE);
  });

  it("an origin not listed gets no permission", async () => {
    const pre = await request(
      `/get-task-status/${taskId}`,
      preflight("https://evil.example"),
      PAGE,
    );
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const res = await request(
      `/get-task-status/${taskId}`,
      { headers: { Origin: "https://evil.example", Authorization: `Bearer ${project.key}` } },
      PAGE,
    );
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("* allows every origin", async () => {
    const res = await request(
      `/get-task-status/${taskId}`,
      { headers: { Origin: "https://any.example", Authorization: `Bearer ${project.key}` } },
      "*",
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});
