/** Longest URL a task may name. */
export const MAX_URL_LENGTH = 2048;

const BLOCKED_NAMES = ["localhost"];
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa"];

/** IPv4 ranges no deployed Belfry may call: [first address, prefix length]. */
const BLOCKED_V4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8 "this network"
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 CGNAT (also Alibaba's metadata, 100.100.100.200)
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local, cloud metadata
  [0xac100000, 12], // 172.16/12 private
  [0xc0000000, 24], // 192.0.0/24 IETF protocol assignments (Oracle's metadata, 192.0.0.192)
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, broadcast
];

const PRIVATE_ADDRESS = "is a private, loopback, link-local or metadata address";

/** One IPv4 number as WHATWG URL reads it: decimal, 0x hex or 0-prefixed octal. */
function parseV4Number(part: string): number | null {
  if (/^0x[0-9a-f]*$/.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

/**
 * An IPv4 host in any spelling WHATWG URL accepts — dotted, short (`127.1`), one number
 * (`2130706433`), hex (`0x7f.1`) or octal (`0177.0.0.1`) — as a 32-bit number, or null.
 * URL parsing already rewrites these to dotted quads; reading them here too keeps this module
 * safe for a host that did not come through the URL parser.
 */
function parseV4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseV4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return null;
  return numbers.reduce((sum, n, i) => sum + n * 256 ** (3 - i), 0) + last;
}

function isBlockedV4(address: number): boolean {
  return BLOCKED_V4.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    return address >= base && address < base + size;
  });
}

/** Expand an IPv6 address (no brackets) into eight 16-bit groups, or null when malformed. */
function parseV6(host: string): number[] | null {
  let text = host.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    // A trailing dotted quad (::ffff:127.0.0.1) becomes its two hex groups.
    const quad = text.slice(lastColon + 1);
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(quad) ? parseV4(quad) : null;
    if (v4 === null) return null;
    const high = Math.floor(v4 / 65536).toString(16);
    const low = (v4 % 65536).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const toGroups = (s: string) =>
    s === ""
      ? []
      : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : -1));
  const head = toGroups(halves[0] ?? "");
  const rest = halves.length === 2 ? toGroups(halves[1] ?? "") : [];
  const known = head.length + rest.length;
  if (halves.length === 1 && known !== 8) return null;
  if (halves.length === 2 && known > 7) return null;
  const groups = [...head, ...Array<number>(8 - known).fill(0), ...rest];
  if (groups.some((g) => g < 0)) return null;
  return groups;
}

function isBlockedV6(groups: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const lowV4 = g6 * 65536 + g7;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) {
    if (g4 === 0 && g5 === 0 && g6 === 0 && g7 <= 1) return true; // :: and ::1
    if (g4 === 0 && (g5 === 0xffff || g5 === 0)) return isBlockedV4(lowV4); // mapped, compatible
    if (g4 === 0xffff && g5 === 0) return isBlockedV4(lowV4); // ::ffff:0:a.b.c.d, translated
  }
  if (g0 === 0x64 && g1 === 0xff9b) {
    if (g2 === 1) return true; // 64:ff9b:1::/48, local-use NAT64
    return isBlockedV4(lowV4); // 64:ff9b::/96, NAT64 of an IPv4 address
  }
  if (g0 === 0x2002) return isBlockedV4(g1 * 65536 + g2); // 6to4 of an IPv4 address
  if (g0 === 0x2001 && g1 === 0) return isBlockedV4(~lowV4 >>> 0); // Teredo: client, inverted
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local (AWS metadata fd00:ec2::254)
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/**
 * Why a host may not be called from a deployment, or null when it may. Takes a URL's
 * `hostname` (IPv6 in brackets); trailing dots and letter case do not matter.
 */
export function privateHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseV6(host.slice(1, -1));
    if (!groups) return "is not a valid IPv6 address";
    return isBlockedV6(groups) ? PRIVATE_ADDRESS : null;
  }
  const v4 = parseV4(host);
  if (v4 !== null) return isBlockedV4(v4) ? PRIVATE_ADDRESS : null;
  if (BLOCKED_NAMES.includes(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return "names a local or internal host";
  }
  if (!host.includes(".")) return "must be a fully qualified host name";
  return null;
}

/**
 * Why `raw` may not be a target URL, or null when it may.
 * WHATWG URL parsing already rewrites decimal, hex, octal and short IPv4 forms to dotted quads,
 * percent-escapes and full-width letters to ASCII, and IPv4-mapped IPv6 to hex groups, so the
 * address checks see every spelling of an address in one form — the form `fetch` will use.
 */
export function targetUrlError(raw: string, allowPrivate: boolean): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute http or https URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must use http or https";
  if (url.username || url.password) return "must not contain credentials";
  // Punycode and percent-escapes can make the parsed URL longer than what was written.
  if (url.href.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (allowPrivate) return null;
  const reason = privateHostReason(url.hostname);
  return reason ? `host ${url.hostname} ${reason}` : null;
}

/**
 * The URL a call goes to: `url` with the task's `query` parameters appended to any it already
 * has. Throws on a URL that does not parse; callers check `targetUrlError` on `url` first.
 */
export function withQuery(url: string, query: Readonly<Record<string, string>>): string {
  const entries = Object.entries(query);
  if (entries.length === 0) return url;
  const parsed = new URL(url);
  for (const [key, value] of entries) parsed.searchParams.append(key, value);
  return parsed.toString();
}
