import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashSecret, keyPrefix, newApiKey } from "../../src/core/keys";
import { ADMIN_TOKEN, api, bucket, createProject } from "../support/helpers";
import type { ReceivedCall } from "../support/receiver-types";
import { header, verifyCall } from "../support/signed-calls";

// Every call leaves signed: each project has a signing secret (old ones got one from a
// migration), and a rotation can end the old secret at once.

async function callOnce(key: string, body: unknown): Promise<ReceivedCall | undefined> {
  const target = bucket();
  const res = await api("POST", "/api/v1/tasks", {
    key,
    body: { url: target.url, body, schedule: { delay: 0 } },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const [call] = await target.waitForCalls(1);
  return call;
}

describe("signing secrets", () => {
  it('a rotation with {"keep_previous": false} ends the old secret at once', async () => {
    const project = await createProject("rotate-now");
    const rotated = await api<{
      payload: { signing_secret: string; previous_valid_until: string | null };
    }>("POST", `/api/v1/projects/${project.id}/signing-secret/rotate`, {
      key: ADMIN_TOKEN,
      body: { keep_previous: false },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.payload.previous_valid_until).toBeNull();
    const call = await callOnce(project.key, { leaked: true });
    expect(header(call, "webhook-signature").split(" ")).toHaveLength(1);
    expect(verifyCall(rotated.json.payload.signing_secret, call)).toEqual({ leaked: true });
    expect(() => verifyCall(project.secret, call)).toThrow();
  });

  it("ends the old secret at once for tasks that already hold it, too", async () => {
    const project = await createProject("rotate-running");
    const target = bucket();
    const res = await api("POST", "/api/v1/tasks", {
      key: project.key,
      body: { url: target.url, body: { n: 1 }, schedule: { every: 1_000, occurrences: 2 } },
    });
    expect(res.status).toBe(201);
    const [first] = await target.waitForCalls(1);
    expect(verifyCall(project.secret, first)).toEqual({ n: 1 });
    const rotated = await api<{ payload: { signing_secret: string } }>(
      "POST",
      `/api/v1/projects/${project.id}/signing-secret/rotate`,
      { key: ADMIN_TOKEN, body: { keep_previous: false } },
    );
    expect(rotated.status).toBe(200);
    const calls = await target.waitForCalls(2);
    const second = calls[1];
    expect(header(second, "webhook-signature").split(" ")).toHaveLength(1);
    expect(verifyCall(rotated.json.payload.signing_secret, second)).toEqual({ n: 1 });
    expect(() => verifyCall(project.secret, second)).toThrow();
  });

  it("a rotation body other than the documented one is a 400 naming the field", async () => {
    const project = await createProject("rotate-bad");
    const path = `/api/v1/projects/${project.id}/signing-secret/rotate`;
    const wrongType = await api<{ error: { message: string } }>("POST", path, {
      key: ADMIN_TOKEN,
      body: { keep_previous: "no" },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toMatch(/^keep_previous: /);
    const notJson = await api("POST", path, {
      key: ADMIN_TOKEN,
      raw: "{",
      contentType: "application/json",
    });
    expect(notJson.status).toBe(400);
    // Nothing was rotated by the refused requests: the first secret still verifies alone.
    const call = await callOnce(project.key, { n: 1 });
    expect(verifyCall(project.secret, call)).toEqual({ n: 1 });
  });

  it("a project stored without a secret gets one from the migration, and its calls are signed", async () => {
    const id = crypto.randomUUID();
    const key = newApiKey();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO projects (id, name, signing_secret, created_at) VALUES (?, 'old', '', ?)",
      ).bind(id, Date.now()),
      env.DB.prepare(
        "INSERT INTO api_keys (id, project_id, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
      ).bind(crypto.randomUUID(), id, keyPrefix(key), await hashSecret(key), Date.now()),
    ]);
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.includes("signing_secret"));
    expect(migration).toBeDefined();
    for (const query of migration?.queries ?? []) await env.DB.prepare(query).run();

    const row = await env.DB.prepare("SELECT signing_secret AS secret FROM projects WHERE id = ?")
      .bind(id)
      .first<{ secret: string }>();
    expect(row?.secret).toMatch(/^whsec_[0-9A-F]{64}$/);
    const call = await callOnce(key, { old: true });
    expect(verifyCall(row?.secret ?? "", call)).toEqual({ old: true });
  });
});
