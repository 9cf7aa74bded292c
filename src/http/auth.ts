import type { Context, MiddlewareHandler } from "hono";
import { BelfryError } from "../core/errors";
import { constantTimeEqual, hashSecret } from "../core/keys";
import { ensureDevProject } from "../db/dev-project";
import { findKeyByHash } from "../db/projects";
import { meter } from "../metering";
import type { AppEnv } from "./context";
import { type KnownKey, knownKey, rememberKey } from "./known-keys";
import { overAddressLimit, overRateLimit } from "./rate-limit";

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
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

const unknownKey = () =>
  new BelfryError("unauthorized", "authorization: unknown or revoked API key");

/**
 * The key `token` is, checked as every API request's key is: the admin token is not an API key,
 * and a key this isolate has not verified lately is looked up in D1 only after its request is
 * counted against the client address's limit, so made-up keys cannot buy D1 reads
 * (docs/security.md). Answers the 429 instead when the address is over its limit. The dashboard's
 * sign-in checks keys through this too.
 */
export async function verifyApiKey(
  c: Context<AppEnv>,
  token: string,
): Promise<(KnownKey & { hash: string }) | Response> {
  const hash = await hashSecret(token);
  const admin = c.env.BELFRY_ADMIN_TOKEN;
  // Even a deployment that set its dev key to the admin token keeps the two roles apart.
  if (admin && constantTimeEqual(hash, await configuredHash(admin))) throw unknownKey();
  const now = Date.now();
  let key = knownKey(hash, now);
  if (!key) {
    const limited = await overAddressLimit(c);
    if (limited) return limited;
    const devKey = c.env.BELFRY_DEV_API_KEY;
    if (devKey && constantTimeEqual(hash, await configuredHash(devKey))) {
      await ensureDevProject(c.env, hash);
    }
    meter("d1_credential_lookups");
    const row = await findKeyByHash(c.env.DB, hash);
    if (!row || !constantTimeEqual(row.hash, hash)) throw unknownKey();
    key = { keyId: row.keyId, projectId: row.projectId };
    rememberKey(hash, key, now);
  }
  return { ...key, hash };
}

/** Require an API key; sets `projectId` and `keyId`. */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearer(c.req.header("authorization"));
  if (!token) {
    const limited = await overAddressLimit(c);
    if (limited) return limited;
    throw new BelfryError("unauthorized", "authorization: missing bearer API key");
  }
  const key = await verifyApiKey(c, token);
  if (key instanceof Response) return key;
  const limited = await overRateLimit(c, key.hash);
  if (limited) return limited;
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
    // A wrong token costs nothing to check, but guessing is still slowed per address.
    const limited = await overAddressLimit(c);
    if (limited) return limited;
    throw new BelfryError("unauthorized", "authorization: admin token required");
  }
  await next();
};
