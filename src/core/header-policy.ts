/** Headers a task may not set: hop-by-hop, framing, and the ones Belfry itself sends. */
const RESERVED = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);
const RESERVED_PREFIXES = ["cf-", "webhook-", "belfry-", "x-forwarded-"];

/** RFC 9110 token characters, the only ones a header name may use. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

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
    } else if (/[\r\n\0]/.test(value)) {
      problems.push([name, "must not contain line breaks or NUL"]);
    } else if (encoder.encode(name).length + encoder.encode(value).length > limits.maxHeaderBytes) {
      problems.push([name, `must be at most ${limits.maxHeaderBytes} bytes`]);
    }
  }
  return problems;
}
