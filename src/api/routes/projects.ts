import { Hono } from "hono";
import { z } from "zod";
import { readConfig } from "../../config";
import { BelfryError } from "../../core/errors";
import { hashSecret, keyPrefix, newApiKey } from "../../core/keys";
import { newSigningSecret } from "../../core/signing";
import { database } from "../../db/client";
import {
  findProject,
  insertKey,
  insertProject,
  revokeKey,
  rotateSigningSecret,
} from "../../db/projects";
import {
  createdProjectSchema,
  issuedKeySchema,
  revokedKeySchema,
  rotatedSecretSchema,
} from "../../wire/answers";
import { requireAdmin } from "../auth";
import type { AppEnv } from "../context";
import { success } from "../envelope";
import { forgetKey } from "../known-keys";
import { describeRoute } from "../route-doc";
import { jsonBody, validate } from "../validation";

/** How long a replaced signing secret keeps signing alongside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export const createProjectSchema = z.strictObject({
  name: z.string().min(1).max(200),
});

async function issueKey() {
  const apiKey = newApiKey();
  return {
    apiKey,
    row: { id: crypto.randomUUID(), prefix: keyPrefix(apiKey), hash: await hashSecret(apiKey) },
  };
}

async function projectOr404(env: Env, id: string) {
  const project = await findProject(database(env.DB), id);
  if (!project) throw new BelfryError("not_found", "project not found");
  return project;
}

/** Admin routes: projects, their API keys and signing secrets. */
export const projectRoutes = new Hono<AppEnv>();

// "/projects/*" matches "/projects" too.
projectRoutes.use("/projects/*", requireAdmin);

const json = jsonBody((c) => readConfig(c.env).maxBodyBytes);

projectRoutes.post(
  "/projects",
  describeRoute({
    operationId: "createProject",
    tag: "Projects",
    summary: "Create a project with its first API key",
    description: "The API key and the signing secret are shown once.",
    answers: { 201: { payload: createdProjectSchema, description: "Created" } },
  }),
  json,
  validate("json", createProjectSchema),
  async (c) => {
    const { name } = c.req.valid("json");
    const project = {
      id: crypto.randomUUID(),
      name,
      signingSecret: newSigningSecret(),
      previousSigningSecret: null,
      previousValidUntil: null,
      createdAt: Date.now(),
    };
    const key = await issueKey();
    await insertProject(database(c.env.DB), project, key.row);
    return success(
      c,
      {
        project: { id: project.id, name, created_at: new Date(project.createdAt).toISOString() },
        api_key: key.apiKey,
        key_id: key.row.id,
        signing_secret: project.signingSecret,
      },
      201,
    );
  },
);

projectRoutes.post(
  "/projects/:id/keys",
  describeRoute({
    operationId: "issueKey",
    tag: "Projects",
    summary: "Issue another API key",
    answers: { 201: { payload: issuedKeySchema, description: "Issued; the key is shown once" } },
  }),
  async (c) => {
    const project = await projectOr404(c.env, c.req.param("id"));
    const key = await issueKey();
    await insertKey(database(c.env.DB), project.id, key.row, Date.now());
    return success(c, { key_id: key.row.id, api_key: key.apiKey }, 201);
  },
);

projectRoutes.delete(
  "/projects/:id/keys/:keyId",
  describeRoute({
    operationId: "revokeKey",
    tag: "Projects",
    summary: "Revoke an API key",
    answers: { 200: { payload: revokedKeySchema, description: "Revoked" } },
  }),
  async (c) => {
    const project = await projectOr404(c.env, c.req.param("id"));
    const keyId = c.req.param("keyId");
    if (!(await revokeKey(database(c.env.DB), project.id, keyId, Date.now()))) {
      throw new BelfryError("not_found", "key not found");
    }
    // Other isolates stop trusting it within KNOWN_KEY_TTL_MS.
    forgetKey(keyId);
    return success(c, { key_id: keyId, revoked: true });
  },
);

projectRoutes.post(
  "/projects/:id/signing-secret/rotate",
  describeRoute({
    operationId: "rotateSigningSecret",
    tag: "Projects",
    summary: "Rotate the signing secret",
    description: "Calls carry signatures with both secrets for 24 hours.",
    answers: { 200: { payload: rotatedSecretSchema, description: "The new secret" } },
  }),
  async (c) => {
    const project = await projectOr404(c.env, c.req.param("id"));
    const secret = newSigningSecret();
    const until = Date.now() + ROTATION_OVERLAP_MS;
    await rotateSigningSecret(database(c.env.DB), project, secret, until);
    return success(c, {
      signing_secret: secret,
      previous_valid_until: new Date(until).toISOString(),
    });
  },
);
