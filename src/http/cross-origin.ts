import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";

/**
 * Cross-origin access for browser pages, such as a status poller served from another origin
 * (docs/dialects.md). Off unless `CORS_ORIGINS` lists origins (comma-separated, or `*`): an API
 * key in a page is visible to its readers, so a deployment opts in knowingly. Preflights are
 * answered before authentication, since a browser sends them without the Authorization header.
 */

/** The origins a `CORS_ORIGINS` value allows; empty when unset. */
export function allowedOrigins(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((origin) => origin.trim().replace(/\/+$/, ""))
    .filter((origin) => origin !== "");
}

/** One middleware per distinct setting, built once: the setting is read on every request. */
const built = new Map<string, MiddlewareHandler>();

function corsFor(origins: string[]): MiddlewareHandler {
  const setting = origins.join(",");
  let middleware = built.get(setting);
  if (!middleware) {
    middleware = cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
      allowHeaders: ["Authorization", "Content-Type"],
      // A page that meets the rate limit can read when to try again.
      exposeHeaders: ["Retry-After"],
      maxAge: 600,
    });
    built.set(setting, middleware);
  }
  return middleware;
}

/** CORS for the origins in `CORS_ORIGINS`; nothing at all when none are listed. */
export const crossOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origins = allowedOrigins(c.env.CORS_ORIGINS);
  if (origins.length === 0) return next();
  return corsFor(origins)(c, next);
};
