/** Headers a task may not set: hop-by-hop, framing, and the ones Belfry itself sends. */
const RESERVED = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "http2-settings",
]);
const RESERVED_PREFIXES = ["proxy-", "cf-", "webhook-", "belfry-", "x-forwarded-"];

/** RFC 9110 token characters, the only ones a header name may use. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A header value: printable ASCII, spaces and tabs. `fetch` refuses CR, LF and NUL outright, and
 * workerd sends anything beyond ASCII as UTF-8, which HTTP (RFC 9110) does not define and
 * receivers read differently; percent-encode such text instead.
 */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

export interface HeaderLimits {
  maxHeaders: number;
  maxHeaderBytes: number;
}

/** Problems with a task's headers, as [header name, message] pairs; empty when all are fine. */
export function headerProblems(
  headers: Record<string, string>,
  limits: HeaderLimits,
): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const names = Object.keys(headers);
  if (names.length > limits.maxHeaders) {
    problems.push(["", `at most ${limits.maxHeaders} headers are allowed`]);
  }
  const encoder = new TextEncoder();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = headers[name] ?? "";
    if (!TOKEN.test(name)) problems.push([name, "is not a valid header name"]);
    else if (RESERVED.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) {
      problems.push([name, "is reserved and cannot be set"]);
    } else if (!FIELD_VALUE.test(value)) {
      problems.push([name, "may hold only printable ASCII, spaces and tabs"]);
    } else if (encoder.encode(name).length + encoder.encode(value).length > limits.maxHeaderBytes) {
      problems.push([name, `must be at most ${limits.maxHeaderBytes} bytes`]);
    }
  }
  return problems;
}
