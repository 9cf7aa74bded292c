/** Longest URL a task may name. */
export const MAX_URL_LENGTH = 2048;

const BLOCKED_NAMES = ["localhost"];
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa"];

/** IPv4 ranges no deployed Belfry may call: [first address, prefix length]. */
const BLOCKED_V4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8 "this network"
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 CGNAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local, cloud metadata
  [0xac100000, 12], // 172.16/12 private
  [0xc0000000, 24], // 192.0.0/24 IETF protocol assignments
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, broadcast
];

function parseV4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
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
    const v4 = parseV4(text.slice(lastColon + 1));
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
  if (known > 8) return null;
  const groups = [...head, ...Array(8 - known).fill(0), ...rest];
  if (groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  return groups;
}

function isBlockedV6(groups: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embeddedV4 = g6 * 65536 + g7;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return true; // :: and ::1
    if (g5 === 0xffff || g5 === 0) return isBlockedV4(embeddedV4); // v4-mapped, v4-compatible
  }
  if (g0 === 0x64 && g1 === 0xff9b) return isBlockedV4(embeddedV4); // NAT64
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  if (g0 === 0xfd00 && g1 === 0x0ec2) return true; // AWS metadata (also in fc00::/7)
  return false;
}

/** Why a host may not be called from a deployment, or null when it may. */
export function privateHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseV6(host.slice(1, -1));
    if (!groups) return "is not a valid IPv6 address";
    return isBlockedV6(groups) ? "is a private, loopback or link-local address" : null;
  }
  const v4 = parseV4(host);
  if (v4 !== null) {
    return isBlockedV4(v4) ? "is a private, loopback or link-local address" : null;
  }
  if (BLOCKED_NAMES.includes(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return "names a local or internal host";
  }
  if (!host.includes(".")) return "must be a fully qualified host name";
  return null;
}

/**
 * Why `raw` may not be a target URL, or null when it may.
 * WHATWG URL parsing already rewrites decimal, hex, octal and short IPv4 forms to dotted quads,
 * so the address checks see every spelling of an address in one form.
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
  if (allowPrivate) return null;
  const reason = privateHostReason(url.hostname);
  return reason ? `host ${url.hostname} ${reason}` : null;
}
