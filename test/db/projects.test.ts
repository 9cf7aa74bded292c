// The project registry's queries (projects, API keys, signing secrets) against a real D1.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashSecret, keyPrefix, newApiKey } from "../../src/core/keys";
import { database } from "../../src/db/client";
import {
  ensureProject,
  findKeyByHash,
  findProject,
  insertKey,
  insertProject,
  type ProjectRow,
  revokeKey,
  rotateSigningSecret,
} from "../../src/db/projects";

const db = database(env.DB);
const T0 = Date.UTC(2026, 0, 1);

async function newKey() {
  const key = newApiKey();
  return { id: crypto.randomUUID(), prefix: keyPrefix(key), hash: await hashSecret(key) };
}

/** A project stored with its first key, as the admin API creates one. */
async function storedProject() {
  const project: ProjectRow = {
    id: crypto.randomUUID(),
    name: "registry",
    signingSecret: "whsec_first",
    previousSigningSecret: null,
    previousValidUntil: null,
    createdAt: T0,
    alertUrl: null,
    alertEvents: null,
  };
  const key = await newKey();
  await insertProject(db, project, key);
  return { project, key };
}

describe("projects and keys", () => {
  it("finds a stored project by id, and the project a key's hash belongs to", async () => {
    const { project, key } = await storedProject();
    expect(await findProject(db, project.id)).toEqual(project);
    expect(await findProject(db, crypto.randomUUID())).toBeNull();
    expect(await findKeyByHash(env.DB, key.hash)).toEqual({
      keyId: key.id,
      projectId: project.id,
      hash: key.hash,
    });
    expect(await findKeyByHash(env.DB, (await newKey()).hash)).toBeNull();
  });

  it("revokes a key of its own project once; the project's other keys still resolve", async () => {
    const { project, key } = await storedProject();
    const second = await newKey();
    await insertKey(db, project.id, second, T0 + 1);
    expect(await revokeKey(db, crypto.randomUUID(), key.id, T0 + 2)).toBe(false);
    expect(await revokeKey(db, project.id, key.id, T0 + 2)).toBe(true);
    expect(await revokeKey(db, project.id, key.id, T0 + 3)).toBe(false);
    expect(await findKeyByHash(env.DB, key.hash)).toBeNull();
    expect((await findKeyByHash(env.DB, second.hash))?.projectId).toBe(project.id);
  });

  it("ensureProject stores a project and key once and leaves them as they are after", async () => {
    const { project, key } = await storedProject();
    await ensureProject(db, { ...project, name: "renamed" }, key);
    expect((await findProject(db, project.id))?.name).toBe("registry");
  });
});

describe("rotateSigningSecret", () => {
  it("keeps the old secret until the given time, or ends it at once", async () => {
    const { project } = await storedProject();
    await rotateSigningSecret(db, project, "whsec_second", T0 + 86_400_000);
    const rotated = await findProject(db, project.id);
    expect(rotated).toMatchObject({
      signingSecret: "whsec_second",
      previousSigningSecret: "whsec_first",
      previousValidUntil: T0 + 86_400_000,
    });
    if (!rotated) throw new Error("the project is gone");
    await rotateSigningSecret(db, rotated, "whsec_third", null);
    expect(await findProject(db, project.id)).toMatchObject({
      signingSecret: "whsec_third",
      previousSigningSecret: null,
      previousValidUntil: null,
    });
  });
});
