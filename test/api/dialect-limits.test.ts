import { beforeAll, describe, expect, it } from "vitest";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { api, bucket, createProject, type TestProject } from "../support/helpers";

// The body rules of the native API hold on every dialect route that takes a body: a body that
// is not JSON by its content type is a 415, one over MAX_BODY_BYTES (256 KiB here) a 413, each
// in the error envelope.

const LIMIT = 256 * 1024;

let project: TestProject;
let requestId: string;
beforeAll(async () => {
  project = await createProject("dialect-limits");
  const res = await api<{ requestId: string }>("POST", "/requests", {
    key: project.key,
    body: { interval: 3_600_000, return_url: bucket().url },
  });
  requestId = res.json.requestId;
  await api("PUT", `/requests/${requestId}`, { key: project.key, body: { status: "paused" } });
});

/** Each dialect's body route with a valid body that pads out to `size` bytes. */
const routes = (): [string, string, (padding: string) => Record<string, unknown>][] => [
  [
    "POST",
    "/api/v1/chronos/tasks",
    (p) => ({ url: bucket().url, schedule: "0 8 * * 1-5 *", method: "POST", payload: { p } }),
  ],
  ["POST", "/api/jobs", (p) => ({ url: bucket().url, schedule_in: 3600, body: { p } })],
  ["POST", "/requests", (p) => ({ interval: 3_600_000, return_url: bucket().url, payload: p })],
  ["PUT", `/requests/${requestId}`, (p) => ({ payload: p })],
];

describe("415 and 413 on the dialect routes", () => {
  it("a body that is not application/json is a 415", async () => {
    for (const [method, path, body] of routes()) {
      for (const type of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
      ]) {
        const res = await api<ErrorEnvelope>(method, path, {
          key: project.key,
          raw: JSON.stringify(body("x")),
          contentType: type,
        });
        expect(res.status, `${method} ${path} ${type}`).toBe(415);
        expect(res.json).toMatchObject({
          status: "error",
          error: { code: "unsupported_media_type" },
        });
      }
    }
  });

  it("a body over the limit is a 413; one just under it is not refused for its size", async () => {
    for (const [method, path, body] of routes()) {
      const over = JSON.stringify(body("x".repeat(LIMIT)));
      const res = await api<ErrorEnvelope>(method, path, { key: project.key, raw: over });
      expect(res.status, `${method} ${path}`).toBe(413);
      expect(res.json).toMatchObject({ status: "error", error: { code: "payload_too_large" } });
      expect(res.json.error.message).toContain(String(LIMIT));

      // Under the limit, the size is no reason to refuse (the API's other checks still apply).
      const under = JSON.stringify(body("x".repeat(1024)));
      const ok = await api(method, path, { key: project.key, raw: under });
      expect(ok.status, `${method} ${path}: ${JSON.stringify(ok.json)}`).toBeLessThan(300);
    }
  });
});
