import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { meter } from "../../src/metering";
import { ADMIN_TOKEN, createProject } from "../support/helpers";

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
});
