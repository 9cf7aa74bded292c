import { type Context, Hono } from "hono";
import { z } from "zod";
import { readConfig } from "../../config";
import { BelfryError, invalidField } from "../../core/errors";
import { hashSecret, keyPrefix, newApiKey } from "../../core/keys";
import { parseOrThrow } from "../../core/parse-input";
import { newSigningSecret } from "../../core/signing";
import { database } from "../../db/client";
import {
  findProject,
  insertKey,
  insertProject,
  revokeKey,
  rotateSigningSecret,
} from "../../db/projects";
import { requireAdmin } from "../../http/auth";
import type { AppEnv } from "../../http/context";
import { success } from "../../http/envelope";
import { forgetKey } from "../../http/known-keys";
import { describeRoute } from "../../http/route-doc";
import { jsonBody, readBounded, validate } from "../../http/validation";
import { pushSigningKeys } from "../../task/commands";
import {
  createdProjectSchema,
  issuedKeySchema,
  revokedKeySchema,
  rotatedSecretSchema,
} from "../../wire/answers";

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

projectRoutes.post(
  "/projects",
  describeRoute({
    operationId: "createProject",
    tag: "Projects",
    summary: "Create a project with its first API key",
    description: "The API key and the signing secret are shown once.",
    answers: { 201: { payload: createdProjectSchema, description: "Created" } },
  }),
  jsonBody,
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

/** The optional body of a rotation. */
export const rotateSigningSecretSchema = z.strictObject({
  /**
   * Keep signing with the old secret too for 24 hours (the default), so receivers can switch
   * over; false ends it at once, e.g. when it leaked.
   */
  keep_previous: z.boolean().optional(),
});

/** A body that may be absent: an empty one reads as `{}`, anything else must be JSON. */
async function optionalJson(c: Context<AppEnv>, limit: number): Promise<unknown> {
  const bytes = await readBounded(c.req.raw.body, limit);
  if (bytes.length === 0) return {};
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (!mediaType || !/^application\/([\w.-]+\+)?json$/.test(mediaType)) {
    throw new BelfryError("unsupported_media_type", "content-type: must be application/json");
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw invalidField("body", "is not valid JSON");
  }
}

projectRoutes.post(
  "/projects/:id/signing-secret/rotate",
  describeRoute({
    operationId: "rotateSigningSecret",
    tag: "Projects",
    summary: "Rotate the signing secret",
    description:
      'Calls carry signatures with both secrets for 24 hours, unless the body says {"keep_previous": false}: then the old secret ends at once.',
    body: rotateSigningSecretSchema,
    // A body is optional; one that is sent must be JSON.
    errors: [415],
    answers: { 200: { payload: rotatedSecretSchema, description: "The new secret" } },
  }),
  async (c) => {
    const body = await optionalJson(c, readConfig(c.env).maxBodyBytes);
    const { keep_previous: keepPrevious = true } = parseOrThrow(rotateSigningSecretSchema, body);
    const project = await projectOr404(c.env, c.req.param("id"));
    const secret = newSigningSecret();
    const until = keepPrevious ? Date.now() + ROTATION_OVERLAP_MS : null;
    await rotateSigningSecret(database(c.env.DB), project, secret, until);
    c.executionCtx.waitUntil(pushSigningKeys(c.env, project.id));
    return success(c, {
      signing_secret: secret,
      previous_valid_until: until === null ? null : new Date(until).toISOString(),
    });
  },
);
