/** The most response headers an attempt record keeps. */
export const MAX_RECORDED_HEADERS = 32;
/** The most bytes (names and values) of response headers an attempt record keeps. */
export const MAX_RECORDED_HEADER_BYTES = 4 * 1024;
/** A longer header value is cut to this many characters. */
export const MAX_RECORDED_HEADER_VALUE = 512;

/**
 * Headers that describe one connection rather than the answer (RFC 9110 §7.6.1), so they say
 * nothing about what the target answered.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Kept ahead of the rest: retries read Retry-After, and people look for these first. */
const FIRST = ["retry-after", "content-type", "location"];

/**
 * The response headers an attempt record keeps: hop-by-hop headers dropped, long values cut,
 * at most MAX_RECORDED_HEADERS of at most MAX_RECORDED_HEADER_BYTES in all. A target choosing
 * its own headers cannot make a record too large to store or to queue (docs/security.md).
 * Header names and values are byte strings, so a character is a byte.
 */
export function recordedHeaders(entries: Iterable<[string, string]>): Record<string, string> {
  const all = new Map<string, string>();
  for (const [name, value] of entries) {
    const key = name.toLowerCase();
    if (HOP_BY_HOP.has(key)) continue;
    // Repeated names arrive joined already (Headers); a raw list may still repeat them.
    const previous = all.get(key);
    all.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  // One pass for the headers kept first, one for the rest, each kept while it fits.
  const kept: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  const keep = (name: string, whole: string) => {
    if (count >= MAX_RECORDED_HEADERS) return;
    const value = whole.slice(0, MAX_RECORDED_HEADER_VALUE);
    if (bytes + name.length + value.length > MAX_RECORDED_HEADER_BYTES) return;
    kept[name] = value;
    count += 1;
    bytes += name.length + value.length;
  };
  for (const name of FIRST) {
    const value = all.get(name);
    if (value !== undefined) keep(name, value);
  }
  for (const [name, value] of all) if (!FIRST.includes(name)) keep(name, value);
  return kept;
}
