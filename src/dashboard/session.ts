import { z } from "zod";
import { base64url, constantTimeEqual } from "../core/keys";

/**
 * Dashboard sessions are signed tokens, not stored rows: the cookie holds the key's id, its
 * project, a random session id and the expiry, with an HMAC-SHA-256 over them. The API key
 * itself never leaves the sign-in request. The HMAC key is derived (HKDF) from the deployment's
 * admin token, so changing that token ends every session; revoking the API key a session was
 * opened with ends its sessions at the next request, since each request checks the key is live.
 */

/** How long a session lasts from sign-in. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SESSION_COOKIE = "belfry_session";

const sessionSchema = z.strictObject({
  /** The API key's id (not the key). */
  k: z.string().min(1).max(100),
  /** The key's project. */
  p: z.string().min(1).max(100),
  /** A random id per sign-in: the CSRF token is derived from it. */
  s: z.string().min(16).max(64),
  /** Expiry, epoch ms. */
  e: z.number().int(),
});
export type Session = z.output<typeof sessionSchema>;

const encoder = new TextEncoder();
const signingKeys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for sessions, derived from `secret` once per isolate. */
function signingKey(secret: string): Promise<CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
        "deriveKey",
      ]);
      return crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: encoder.encode("belfry-dashboard"),
          info: encoder.encode("session-v1"),
        },
        material,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    signingKeys.set(secret, key);
  }
  return key;
}

async function mac(secret: string, text: string): Promise<string> {
  const signature = await crypto.subtle.sign(
    "HMAC",
    await signingKey(secret),
    encoder.encode(text),
  );
  return base64url(new Uint8Array(signature));
}

function fromBase64url(text: string): string {
  const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) =>
    ch.charCodeAt(0),
  );
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
}

/** A new session for a verified key, valid for SESSION_TTL_MS from `now`. */
export function newSession(keyId: string, projectId: string, now: number): Session {
  return {
    k: keyId,
    p: projectId,
    s: base64url(crypto.getRandomValues(new Uint8Array(18))),
    e: now + SESSION_TTL_MS,
  };
}

/** The cookie value of a session: payload and signature, both base64url. */
export async function sealSession(secret: string, session: Session): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify(session)));
  return `${payload}.${await mac(secret, `session.${payload}`)}`;
}

/** The session a cookie value holds, or null when it is forged, malformed or expired. */
export async function openSession(
  secret: string,
  value: string,
  now: number,
): Promise<Session | null> {
  const [payload, signature, extra] = value.split(".");
  if (!payload || !signature || extra !== undefined || payload.length > 1_000) return null;
  if (!constantTimeEqual(signature, await mac(secret, `session.${payload}`))) return null;
  try {
    const session = sessionSchema.parse(JSON.parse(fromBase64url(payload)));
    return session.e > now ? session : null;
  } catch {
    return null;
  }
}

/** The CSRF token of a session: every form that changes something carries it. */
export function csrfToken(secret: string, session: Session): Promise<string> {
  return mac(secret, `csrf.${session.s}`);
}

/** Whether `token` is the session's CSRF token (compared in constant time). */
export async function validCsrfToken(
  secret: string,
  session: Session,
  token: string,
): Promise<boolean> {
  return constantTimeEqual(token, await csrfToken(secret, session));
}
