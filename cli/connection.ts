import { BelfryClient } from "./client";
import { CliError } from "./output";

/** Where `npm run dev` listens. */
export const DEFAULT_SERVER = "http://127.0.0.1:8787";

/** The options every command takes (flags win over the environment). */
export interface GlobalOptions {
  server?: string;
  apiKey?: string;
  adminToken?: string;
  json?: boolean;
}

type Environment = Record<string, string | undefined>;

/** A client for the API-key routes, or a one-line reason why there is none. */
export function taskClient(options: GlobalOptions, env: Environment): BelfryClient {
  return new BelfryClient({ url: serverUrl(options, env), apiKey: apiKey(options, env) });
}

/** The project's API key from the flags or the environment, or a one-line reason why none. */
export function apiKey(options: GlobalOptions, env: Environment): string {
  const key = options.apiKey ?? env.BELFRY_API_KEY;
  if (!key) throw new CliError("no API key: pass --api-key or set BELFRY_API_KEY");
  return key;
}

/** A client for the admin routes, or a one-line reason why there is none. */
export function adminClient(options: GlobalOptions, env: Environment): BelfryClient {
  const adminToken = options.adminToken ?? env.BELFRY_ADMIN_TOKEN;
  if (!adminToken) {
    throw new CliError("no admin token: pass --admin-token or set BELFRY_ADMIN_TOKEN");
  }
  return new BelfryClient({ url: serverUrl(options, env), adminToken });
}

/** The server's base URL from the flags or the environment, checked to be http(s). */
export function serverUrl(options: GlobalOptions, env: Environment): string {
  const url = options.server ?? env.BELFRY_URL ?? DEFAULT_SERVER;
  if (!/^https?:\/\/[^/]/i.test(url)) {
    throw new CliError(`server URL ${JSON.stringify(url)} must start with http:// or https://`);
  }
  return url;
}
