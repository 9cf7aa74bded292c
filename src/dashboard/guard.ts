import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { readConfig } from "../config";
import { BelfryError } from "../core/errors";
import { base64url } from "../core/keys";
import { findLiveKeyById } from "../db/projects";
import type { AppEnv } from "../http/context";
import { readBounded } from "../http/validation";
import { Refusal } from "./refusal";
import {
  csrfToken,
  openSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type Session,
  sealSession,
  validCsrfToken,
} from "./session";

/** Hono's environment for the dashboard: the API's, plus what the guards below set. */
export interface DashboardEnv {
  Bindings: Env;
  Variables: AppEnv["Variables"] & {
    /** The CSP nonce of this response's script. */
    nonce: string;
    session: Session;
    /** The session's CSRF token, for the page's forms. */
    csrf: string;
    /** A POST's form fields, read once by the guard. */
    form: URLSearchParams;
  };
}
export type DashboardContext = Context<DashboardEnv>;

/**
 * The request as the API's helpers take it. The dashboard's variables are a superset of the
 * API's, but Hono's Context is invariant in them, so the compiler needs telling.
 */
export function apiContext(c: DashboardContext): Context<AppEnv> {
  return c as unknown as Context<AppEnv>;
}

/** The secret sessions are signed with (see session.ts), or a refusal when none is set. */
export function sessionSecret(env: Env): string {
  const secret = env.BELFRY_ADMIN_TOKEN;
  if (!secret) {
    throw new Refusal(503, "the dashboard needs BELFRY_ADMIN_TOKEN set to sign its sessions");
  }
  return secret;
}

/**
 * Headers of every dashboard answer: a strict Content-Security-Policy (scripts only with this
 * answer's nonce, styles only from the dashboard's own stylesheet, no framing, forms only to
 * this origin), no caching of pages that show a project's data, no MIME sniffing.
 */
export const securityHeaders: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  c.set("nonce", nonce);
  await next();
  c.header(
    "Content-Security-Policy",
    [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      "style-src 'self'",
      "img-src 'self'",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
  );
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  c.header("X-Frame-Options", "DENY");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
};

/** Whether the request came over https (then the cookie is Secure). */
function overHttps(c: DashboardContext): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Start a session: the signed cookie, HttpOnly, SameSite=Strict, Secure on https, 12 h. */
export async function startSession(c: DashboardContext, session: Session): Promise<void> {
  setCookie(c, SESSION_COOKIE, await sealSession(sessionSecret(c.env), session), {
    httpOnly: true,
    sameSite: "Strict",
    secure: overHttps(c),
    path: "/dashboard",
    maxAge: SESSION_TTL_MS / 1000,
  });
}

/** End the session in this browser. */
export function endSession(c: DashboardContext): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/dashboard", secure: overHttps(c) });
}

/**
 * Refuse a POST that another site's page sent: its Origin (every current browser sends one on a
 * POST) must be this origin. SameSite=Strict already keeps the cookie off such requests; this is
 * the second fence, and the only one the sign-in form has.
 */
export function checkOrigin(c: DashboardContext): void {
  const origin = c.req.header("origin");
  if (origin !== new URL(c.req.url).origin) {
    throw new Refusal(403, "this form may only be sent from the dashboard's own pages");
  }
}

/** Read a POST's form fields (URL-encoded, bounded like an API body) into `form`. */
export async function readForm(c: DashboardContext): Promise<URLSearchParams> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new BelfryError("unsupported_media_type", "content-type: must be a form");
  }
  // A task's body is at most maxBodyBytes; the form around it adds its other fields, encoded.
  const limit = readConfig(c.env).maxBodyBytes * 3 + 16_384;
  const bytes = await readBounded(c.req.raw.body, limit);
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

/** The session of this request, when its cookie holds a valid one for a key still live. */
async function currentSession(c: DashboardContext): Promise<Session | null> {
  const value = getCookie(c, SESSION_COOKIE);
  if (!value) return null;
  const session = await openSession(sessionSecret(c.env), value, Date.now());
  if (!session) return null;
  // A revoked key ends its sessions at once.
  const key = await findLiveKeyById(c.env.DB, session.k);
  return key?.projectId === session.p ? session : null;
}

/**
 * Require a session: a page without one sends the browser to the sign-in page; a POST without
 * one is refused. A POST must also come from this origin and carry the session's CSRF token.
 * Sets `session`, `projectId`, `keyId`, `csrf`, and `form` for a POST.
 */
export const requireSession: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  const session = await currentSession(c);
  const post = c.req.method === "POST";
  if (!session) {
    if (!post) return c.redirect("/dashboard/sign-in", 303);
    throw new BelfryError("unauthorized", "your session has ended; sign in again");
  }
  const secret = sessionSecret(c.env);
  if (post) {
    checkOrigin(c);
    const form = await readForm(c);
    if (!(await validCsrfToken(secret, session, form.get("csrf") ?? ""))) {
      throw new Refusal(403, "this form is out of date; reload the page and try again");
    }
    c.set("form", form);
  }
  c.set("session", session);
  c.set("projectId", session.p);
  c.set("keyId", session.k);
  c.set("csrf", await csrfToken(secret, session));
  await next();
};
