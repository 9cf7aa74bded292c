import type { Context, MiddlewareHandler } from "hono";
import { readConfig } from "../config";
import { BelfryError } from "../core/errors";
import type { AppEnv } from "./context";
import { errorBody } from "./envelope";

/** Count one request against `limiter`; true when it is within the limit. */
async function withinLimit(limiter: RateLimit, key: string): Promise<boolean> {
  try {
    return (await limiter.limit({ key })).success;
  } catch (error) {
    // An outage of the limiter must not take the API down with it: let the request through.
    console.error(JSON.stringify({ event: "rate_limiter_failed", error: String(error) }));
    return true;
  }
}

function refusal(c: Context<AppEnv>, seconds: number, message: string): Response {
  const error = new BelfryError("rate_limited", `${message}; retry after ${seconds} s`);
  return c.json(errorBody(error), 429, { "Retry-After": String(seconds) });
}

/**
 * Count one request against the per-key limit of the RATE_LIMITER binding (`[[ratelimits]]` in
 * wrangler.toml). Answers the 429 to send when the key is over it, or null to go on. `key` is
 * the API key's hash, so the limit holds per key and the key itself never leaves the Worker.
 */
export async function overRateLimit(c: Context<AppEnv>, key: string): Promise<Response | null> {
  if (await withinLimit(c.env.RATE_LIMITER, key)) return null;
  return refusal(
    c,
    readConfig(c.env).rateLimitPeriodSeconds,
    "too many requests with this API key",
  );
}

/**
 * The client's address as Cloudflare saw it. Only Cloudflare's edge sets CF-Connecting-IP (a
 * client's own is replaced); where there is none — `wrangler dev`, tests — every request shares
 * one bucket.
 */
export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "local";
}

/**
 * Count one request that has no credential Belfry knows — no key, a key not yet verified in this
 * isolate, a failed admin token, a capability link — against the per-address limit of the
 * ADDRESS_RATE_LIMITER binding, before it may cost a D1 read or wake a task. Answers the 429 to
 * send when the address is over it, or null to go on (docs/security.md).
 */
export async function overAddressLimit(c: Context<AppEnv>): Promise<Response | null> {
  if (await withinLimit(c.env.ADDRESS_RATE_LIMITER, clientAddress(c))) return null;
  return refusal(
    c,
    readConfig(c.env).addressRateLimitPeriodSeconds,
    "too many requests without a valid credential from this address",
  );
}

/** Routes anyone may call without a credential: limited per address before anything else. */
export const limitByAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limited = await overAddressLimit(c);
  if (limited) return limited;
  await next();
};
