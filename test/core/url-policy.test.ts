import { describe, expect, it } from "vitest";
import { MAX_URL_LENGTH, privateHostReason, targetUrlError } from "../../src/core/url-policy";

// The deployment policy (private addresses refused) is exercised here on the pure function;
// test/policy/ checks the same through the API with BELFRY_ALLOW_PRIVATE_URLS unset.

/** Every literal spelling of an address or name a deployed Belfry must not call. */
const REFUSED_PRIVATE: [string, string][] = [
  // loopback, in every IPv4 spelling WHATWG URL accepts
  ["dotted", "http://127.0.0.1/"],
  ["hex short form", "http://0x7f.1/"],
  ["hex, one number", "http://0x7f000001/"],
  ["hex per byte", "http://0x7f.0x0.0x0.0x1/"],
  ["decimal, one number", "http://2130706433/"],
  ["octal, one number", "http://017700000001/"],
  ["octal first byte", "http://0177.0.0.1/"],
  ["zero-padded bytes", "http://127.000.000.001/"],
  ["short form a.b", "http://127.1/"],
  ["short form a.b.c", "http://127.0.1/"],
  ["trailing dot", "http://127.0.0.1./"],
  ["ideographic full stops", "http://127\u30020\u30020\u30021/"],
  ["circled digits", "http://\u2460\u2461\u2466.0.0.1/"],
  ["another loopback address", "http://127.255.255.254:8080/x"],
  ["https and a port", "https://127.0.0.1:8443/"],
  // IPv6 loopback and unspecified, and IPv4 inside IPv6
  ["IPv6 loopback", "http://[::1]/"],
  ["IPv6 loopback, long form", "http://[0:0:0:0:0:0:0:1]/"],
  ["IPv6 unspecified", "http://[::]/"],
  ["IPv4-mapped, dotted", "http://[::ffff:127.0.0.1]/"],
  ["IPv4-mapped, hex", "http://[::ffff:7f00:1]/"],
  ["IPv4-mapped, long form", "http://[0:0:0:0:0:ffff:169.254.169.254]/"],
  ["IPv4-compatible", "http://[::127.0.0.1]/"],
  ["IPv4-translated", "http://[::ffff:0:7f00:1]/"],
  ["NAT64 of loopback", "http://[64:ff9b::127.0.0.1]/"],
  ["local-use NAT64", "http://[64:ff9b:1::8.8.8.8]/"],
  ["6to4 of loopback", "http://[2002:7f00:1::]/"],
  ["6to4 of a private address", "http://[2002:c0a8:101::1]/"],
  ["Teredo with a private client", "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/"],
  // private, CGNAT, link-local, metadata
  ["10/8", "http://10.0.0.1/"],
  ["172.16/12", "http://172.16.0.1/"],
  ["172.31 (end of 172.16/12)", "http://172.31.255.255/"],
  ["192.168/16", "http://192.168.1.1/"],
  ["192.168 in decimal", "http://3232235777/"],
  ["CGNAT", "http://100.64.0.1/"],
  ["CGNAT end", "http://100.127.255.255/"],
  ["Alibaba metadata", "http://100.100.100.200/"],
  ["link-local / AWS, GCP, Azure metadata", "http://169.254.169.254/"],
  ["metadata in hex", "http://0xa9fea9fe/"],
  ["metadata in decimal", "http://2852039166/latest/meta-data/"],
  ["Oracle metadata (192.0.0/24)", "http://192.0.0.192/"],
  ["AWS IPv6 metadata", "http://[fd00:ec2::254]/"],
  ["unique local", "http://[fc00::1]/"],
  ["IPv6 link-local", "http://[fe80::1]/"],
  ["IPv6 site-local", "http://[fec0::1]/"],
  ["IPv6 multicast", "http://[ff02::1]/"],
  ["this network", "http://0.0.0.0/"],
  ["zero", "http://0/"],
  ["benchmarking", "http://198.18.0.1/"],
  ["multicast", "http://224.0.0.1/"],
  ["broadcast", "http://255.255.255.255/"],
  // names
  ["localhost", "http://localhost/"],
  ["LOCALHOST with a trailing dot", "http://LOCALHOST./"],
  ["localhost with two trailing dots", "http://localhost../"],
  ["localhost with a port", "http://localhost:8787/api"],
  ["percent-escaped localhost", "http://%6c%6fcalhost/"],
  ["full-width localhost", "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/"],
  ["localhost with a tab inside", "http://loc\talhost/"],
  ["*.localhost", "http://api.localhost/"],
  ["*.local", "http://printer.local/"],
  ["*.internal", "http://foo.internal/"],
  ["GCP metadata name", "http://metadata.google.internal/computeMetadata/v1/"],
  ["*.internal with a trailing dot", "http://foo.internal./"],
  ["*.home.arpa", "http://router.home.arpa/"],
  ["single-label name", "http://metadata/"],
];

/** Refused whatever the deployment: not http(s), credentials, too long, not a URL. */
const REFUSED_ALWAYS: [string, string, RegExp][] = [
  ["user and password", "http://user:pw@example.com/", /credentials/],
  ["user only", "https://user@example.com/", /credentials/],
  ["password only", "https://:pw@example.com/", /credentials/],
  ["ftp", "ftp://example.com/hook", /http or https/],
  ["javascript", "javascript:alert(1)", /http or https/],
  ["file", "file:///etc/passwd", /http or https/],
  ["data", "data:text/plain,hi", /http or https/],
  ["ws", "ws://example.com/", /http or https/],
  ["relative", "/hook", /absolute/],
  ["no host", "http://", /absolute/],
  ["empty", "", /absolute/],
  ["invalid IPv4", "http://999.1.1.1/", /absolute/],
  ["IPv6 zone id", "http://[fe80::1%25eth0]/", /absolute/],
  ["space in host", "http://exa mple.com/", /absolute/],
  ["too long", `https://example.com/${"a".repeat(MAX_URL_LENGTH)}`, /at most 2048/],
];

const ALLOWED: [string, string][] = [
  ["public https", "https://example.com/hook"],
  ["public http with port, query and fragment", "http://example.com:8080/a/b?c=d#e"],
  ["upper-case scheme and host", "HTTPS://EXAMPLE.COM/"],
  ["trailing-dot name", "https://example.com./"],
  ["public IPv4", "http://93.184.215.14/"],
  ["public IPv4 in decimal", "http://1572395790/"],
  ["Cloudflare DNS", "https://1.1.1.1/"],
  ["just outside 172.16/12", "http://172.32.0.1/"],
  ["just outside CGNAT", "http://100.128.0.1/"],
  ["just outside 192.168/16", "http://192.169.0.1/"],
  ["public IPv6", "https://[2606:4700:4700::1111]/"],
  ["IPv4-mapped public address", "http://[::ffff:8.8.8.8]/"],
  ["6to4 of a public address", "http://[2002:808:808::1]/"],
  ["internationalised name", "https://b\u00fccher.example/"],
  ["a name that merely contains localhost", "https://localhost.example.com/"],
  ["a name ending in -internal", "https://my-internal.example.com/"],
  ["credential-like text in the path", "https://example.com/user:pw@x"],
  ["longest allowed", `https://example.com/${"a".repeat(MAX_URL_LENGTH - 20)}`],
];

describe("targetUrlError in a deployment (private addresses refused)", () => {
  it.each(REFUSED_PRIVATE)("refuses %s: %s", (_label, url) => {
    expect(targetUrlError(url, false)).toMatch(
      /private, loopback, link-local or metadata address|local or internal host|fully qualified/,
    );
  });

  it.each(REFUSED_ALWAYS)("refuses %s: %s", (_label, url, message) => {
    expect(targetUrlError(url, false)).toMatch(message);
  });

  it.each(ALLOWED)("allows %s: %s", (_label, url) => {
    expect(targetUrlError(url, false)).toBeNull();
  });

  it("names the host as fetch would see it, whatever its spelling", () => {
    expect(targetUrlError("http://0x7f.1/", false)).toBe(
      "host 127.0.0.1 is a private, loopback, link-local or metadata address",
    );
    expect(targetUrlError("http://[::ffff:127.0.0.1]/", false)).toBe(
      "host [::ffff:7f00:1] is a private, loopback, link-local or metadata address",
    );
    expect(targetUrlError("http://foo.internal/", false)).toBe(
      "host foo.internal names a local or internal host",
    );
  });
});

describe("targetUrlError with BELFRY_ALLOW_PRIVATE_URLS=1 (local work)", () => {
  it.each(REFUSED_PRIVATE)("allows %s: %s", (_label, url) => {
    expect(targetUrlError(url, true)).toBeNull();
  });

  it.each(REFUSED_ALWAYS)("still refuses %s: %s", (_label, url, message) => {
    expect(targetUrlError(url, true)).toMatch(message);
  });
});

describe("privateHostReason on hosts that did not come through the URL parser", () => {
  it.each([
    "0x7f.1",
    "2130706433",
    "017700000001",
    "127.1",
    "0xA9FEA9FE",
    "LOCALHOST.",
    "localhost...",
    "[::FFFF:7F00:1]",
  ])("refuses %s", (host) => {
    expect(privateHostReason(host)).not.toBeNull();
  });

  it.each(["example.com", "8.8.8.8", "134744072", "[2606:4700::1111]"])("allows %s", (host) => {
    expect(privateHostReason(host)).toBeNull();
  });

  it.each(["[::1::1]", "[1:2:3:4:5:6:7:8:9]", "[::ffff:1.2.3]", "[gggg::1]"])(
    "calls %s malformed",
    (host) => {
      expect(privateHostReason(host)).toBe("is not a valid IPv6 address");
    },
  );
});
