/**
 * API keys this isolate verified in D1 recently, by hash: a request with one of them costs no D1
 * read and no count against its address's limit. A revoked key is forgotten at once by the
 * isolate that revoked it and, everywhere else, refused within KNOWN_KEY_TTL_MS.
 */

/** How long a verified key is trusted without asking D1 again. */
export const KNOWN_KEY_TTL_MS = 30_000;
/** A bound on what one isolate holds; past it, the oldest entry goes. */
const KNOWN_KEY_LIMIT = 10_000;

export interface KnownKey {
  keyId: string;
  projectId: string;
}

const known = new Map<string, KnownKey & { until: number }>();

/** The key with this hash, when it was verified within KNOWN_KEY_TTL_MS. */
export function knownKey(hash: string, now: number): KnownKey | null {
  const entry = known.get(hash);
  if (!entry) return null;
  if (entry.until > now) return entry;
  known.delete(hash);
  return null;
}

/** Remember a key just verified in D1. */
export function rememberKey(hash: string, key: KnownKey, now: number): void {
  known.delete(hash);
  known.set(hash, { keyId: key.keyId, projectId: key.projectId, until: now + KNOWN_KEY_TTL_MS });
  if (known.size > KNOWN_KEY_LIMIT) {
    const oldest = known.keys().next();
    if (!oldest.done) known.delete(oldest.value);
  }
}

/** Forget a key (it was just revoked). */
export function forgetKey(keyId: string): void {
  for (const [hash, entry] of known) if (entry.keyId === keyId) known.delete(hash);
}
