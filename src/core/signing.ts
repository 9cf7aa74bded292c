const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
// Standard Webhooks asks for at least 24 random bytes in a secret.
const MIN_SECRET_BYTES = 24;
// One key per live project secret is plenty; the bound only stops an isolate that serves
// many projects from holding every key it ever saw.
const KEY_CACHE_LIMIT = 256;

const encoder = new TextEncoder();
// Promises, not keys, so concurrent first uses of a secret share one importKey call.
const keyCache = new Map<string, Promise<CryptoKey>>();

/** Base64 of a short byte string (a key or a signature: 32 bytes). */
function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A new whsec_ secret (32 random bytes). */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return `${SECRET_PREFIX}${toBase64(bytes)}`;
}

function secretBytes(secret: string): Uint8Array {
  // Messages never include the secret: they can end up in logs.
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("signing secret lacks whsec_ prefix");
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(secret.slice(SECRET_PREFIX.length));
  } catch {
    throw new Error("signing secret is not valid base64");
  }
  if (bytes.length < MIN_SECRET_BYTES) throw new Error("signing secret is too short");
  return bytes;
}

function signingKey(secret: string): Promise<CryptoKey> {
  const cached = keyCache.get(secret);
  if (cached) {
    // Re-insert so the Map's insertion order doubles as least-recently-used order.
    keyCache.delete(secret);
    keyCache.set(secret, cached);
    return cached;
  }
  const key = crypto.subtle.importKey(
    "raw",
    secretBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  keyCache.set(secret, key);
  key.catch(() => keyCache.delete(secret));
  if (keyCache.size > KEY_CACHE_LIMIT) {
    const oldest = keyCache.keys().next();
    if (!oldest.done) keyCache.delete(oldest.value);
  }
  return key;
}

/** The webhook-signature value: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret. */
export async function signPayload(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  // An unsigned request would look like a forgery to the receiver: fail loudly instead.
  if (secrets.length === 0) throw new Error("no signing secret");
  if (!Number.isSafeInteger(timestampSeconds)) throw new Error("timestamp must be whole seconds");
  const message = encoder.encode(`${id}.${timestampSeconds}.${body}`);
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const mac = await crypto.subtle.sign("HMAC", await signingKey(secret), message);
      return `v1,${toBase64(new Uint8Array(mac))}`;
    }),
  );
  return signatures.join(" ");
}
