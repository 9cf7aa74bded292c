import type { Context } from "hono";
import { readConfig } from "../config";
import { BelfryError } from "../core/errors";
import type { AppEnv } from "./context";
import { errorBody } from "./envelope";

/**
 * Count one request against the per-key limit of the RATE_LIMITER binding (`[[ratelimits]]` in
 * wrangler.toml). Answers the 429 to send when the key is over it, or null to go on. `key` is
 * the API key's hash, so the limit holds per key and the key itself never leaves the Worker.
 */
export async function overRateLimit(c: Context<AppEnv>, key: string): Promise<Response | null> {
  let allowed: boolean;
  try {
    allowed = (await c.env.RATE_LIMITER.limit({ key })).success;
  } catch (error) {
    // An outage of the limiter must not take the API down with it: let the request through.
    console.error(JSON.stringify({ event: "rate_limiter_failed", error: String(error) }));
    return null;
  }
  if (allowed) return null;
  const seconds = readConfig(c.env).rateLimitPeriodSeconds;
  const error = new BelfryError(
    "rate_limited",
    `too many requests with this API key; retry after ${seconds} s`,
  );
  return c.json(errorBody(error), 429, { "Retry-After": String(seconds) });
}
