const encoder = new TextEncoder();

/** Bytes as unpadded base64url. */
export function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new API key: `bf_` and 32 random bytes, base64url. */
export function newApiKey(): string {
  return `bf_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** A secret for links that act on one task without an API key: 32 random bytes, base64url. */
export function newAccessToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** SHA-256 of a secret, hex: what is stored in place of an API key. */
export async function hashSecret(secret: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(secret)));
}

/** The shown part of a key, enough for a person to tell keys apart. */
export function keyPrefix(key: string): string {
  return key.slice(0, 10);
}

/** Compare two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** A task id derived from a project and an idempotency key, so replays reach the same object. */
export async function idempotentTaskId(projectId: string, key: string): Promise<string> {
  const digest = hex(await crypto.subtle.digest("SHA-256", encoder.encode(`${projectId}\n${key}`)));
  const h = digest.slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A task id: a UUID in lower-case hex, as crypto.randomUUID() and idempotentTaskId make them. */
export const TASK_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
