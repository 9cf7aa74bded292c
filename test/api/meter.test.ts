import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { meter } from "../../src/metering";
import { ADMIN_TOKEN, api, bucket, createProject, eventually } from "../support/helpers";

/** GET the meter with the benchmark's setting on or off. */
async function readMeter(token: string | null, meterOn: boolean) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await app.request(
    "/api/v1/admin/meter",
    { headers },
    {
      ...env,
      BELFRY_METER: meterOn ? "1" : "0",
    },
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("GET /api/v1/admin/meter", () => {
  it("does not exist unless BELFRY_METER is 1", async () => {
    const res = await readMeter(ADMIN_TOKEN, false);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ status: "error", error: { code: "not_found" } });
  });

  it("refuses anything but the admin token", async () => {
    const project = await createProject("meter");
    expect((await readMeter(null, true)).status).toBe(401);
    expect((await readMeter(project.key, true)).status).toBe(401);
  });

  it("answers the admin with the isolate's counts as they grow", async () => {
    const before = await readMeter(ADMIN_TOKEN, true);
    expect(before.status).toBe(200);
    meter("queue_bytes", 700);
    const after = await readMeter(ADMIN_TOKEN, true);
    expect(Number(after.json.queue_bytes) - Number(before.json.queue_bytes ?? 0)).toBe(700);
  });

  it("counts a task's call: its alarm, the attempt and the object's storage write", async () => {
    const project = await createProject("meter-call");
    const target = bucket();
    const before = (await readMeter(ADMIN_TOKEN, true)).json;
    const created = await api("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, schedule: { delay: 0 }, retry: { attempts: 1 } },
    });
    expect(created.status).toBe(201);
    expect(await target.waitForCalls(1)).toHaveLength(1);
    const grown = (key: string, after: Record<string, unknown>) =>
      Number(after[key] ?? 0) - Number(before[key] ?? 0);
    const after = await eventually(async () => {
      const now = (await readMeter(ADMIN_TOKEN, true)).json;
      return grown("calls", now) >= 1 ? now : undefined;
    });
    expect(grown("calls", after)).toBe(1);
    // The create RPC and the alarm at least.
    expect(grown("do_requests", after)).toBeGreaterThanOrEqual(2);
    expect(grown("do_rows_written", after)).toBeGreaterThanOrEqual(1);
  });
});
