import { keyPrefix } from "../core/keys";
import { newSigningSecret } from "../core/signing";
import { database } from "./client";
import { ensureProject } from "./projects";

/** The local development project's id; it exists only where BELFRY_DEV_API_KEY is set. */
export const DEV_PROJECT_ID = "dev";

let devProjectReady: Promise<void> | undefined;

/** Create the dev project and key once per isolate, when the dev settings define them. */
export function ensureDevProject(env: Env, hash: string): Promise<void> {
  devProjectReady ??= ensureProject(
    database(env.DB),
    {
      id: DEV_PROJECT_ID,
      name: "dev",
      // Every call is signed: without a configured dev secret, the dev project gets its own.
      signingSecret: env.BELFRY_DEV_SIGNING_SECRET || newSigningSecret(),
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
