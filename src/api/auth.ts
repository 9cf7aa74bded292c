import type { MiddlewareHandler } from "hono";
import { BelfryError } from "../core/errors";
import { constantTimeEqual, hashSecret, keyPrefix } from "../core/keys";
import { database } from "../db/client";
import { ensureProject, findKeyByHash } from "../db/projects";
import type { AppEnv } from "./context";
import { overRateLimit } from "./rate-limit";

/** The local development project's id; it exists only where BELFRY_DEV_API_KEY is set. */
export const DEV_PROJECT_ID = "dev";

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

let devProjectReady: Promise<void> | undefined;

/** Create the dev project and key once per isolate, when the dev settings define them. */
export function ensureDevProject(env: Env, hash: string): Promise<void> {
  devProjectReady ??= ensureProject(
    database(env.DB),
    {
      id: DEV_PROJECT_ID,
      name: "dev",
      signingSecret: env.BELFRY_DEV_SIGNING_SECRET ?? "",
      previousSigningSecret: null,
      previousValidUntil: null,
      createdAt: Date.now(),
    },
    { id: "dev-key", prefix: keyPrefix(env.BELFRY_DEV_API_KEY ?? ""), hash },
  ).catch((error: unknown) => {
    devProjectReady = undefined;
    throw error;
  });
  return devProjectReady;
}

/** Hashes of the configured secrets (admin token, dev key), computed once per isolate. */
const configuredHashes = new Map<string, Promise<string>>();
function configuredHash(secret: string): Promise<string> {
  let hash = configuredHashes.get(secret);
  if (!hash) {
    hash = hashSecret(secret);
    configuredHashes.set(secret, hash);
  }
  return hash;
}

/** Require an API key; sets `projectId`. The admin token is not an API key. */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token) throw new BelfryError("unauthorized", "authorization: missing bearer API key");
  const hash = await hashSecret(token);
  const admin = c.env.BELFRY_ADMIN_TOKEN;
  // Even a deployment that set its dev key to the admin token keeps the two roles apart.
  if (admin && constantTimeEqual(hash, await configuredHash(admin))) {
    throw new BelfryError("unauthorized", "authorization: unknown or revoked API key");
  }
  // Limited before the key is looked up, so a flood with one key never reaches D1.
  const limited = await overRateLimit(c, hash);
  if (limited) return limited;
  const devKey = c.env.BELFRY_DEV_API_KEY;
  if (devKey && constantTimeEqual(hash, await configuredHash(devKey))) {
    await ensureDevProject(c.env, hash);
  }
  const key = await findKeyByHash(c.env.DB, hash);
  if (!key || !constantTimeEqual(key.hash, hash)) {
    throw new BelfryError("unauthorized", "authorization: unknown or revoked API key");
  }
  c.set("projectId", key.projectId);
  c.set("keyId", key.keyId);
  await next();
};

/** Require the admin token (BELFRY_ADMIN_TOKEN); API keys are not accepted. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  const admin = c.env.BELFRY_ADMIN_TOKEN;
  if (
    !token ||
    !admin ||
    !constantTimeEqual(await hashSecret(token), await configuredHash(admin))
  ) {
    throw new BelfryError("unauthorized", "authorization: admin token required");
  }
  await next();
};
