import { describe, expect, it } from "vitest";
import {
  MAX_RECORDED_HEADER_BYTES,
  MAX_RECORDED_HEADER_VALUE,
  MAX_RECORDED_HEADERS,
  recordedHeaders,
} from "../../src/core/response-headers";

const size = (headers: Record<string, string>) =>
  Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + value.length, 0);

describe("recordedHeaders", () => {
  it("keeps an ordinary answer's headers as they are, minus hop-by-hop ones", () => {
    expect(
      recordedHeaders([
        ["Content-Type", "application/json"],
        ["Connection", "keep-alive"],
        ["Keep-Alive", "timeout=5"],
        ["Transfer-Encoding", "chunked"],
        ["X-Request-Id", "abc"],
      ]),
    ).toEqual({ "content-type": "application/json", "x-request-id": "abc" });
  });

  it("bounds many large headers by count and bytes, keeping Retry-After first", () => {
    const many: [string, string][] = Array.from({ length: 100 }, (_, i) => [
      `x-${String(i).padStart(3, "0")}`,
      "v".repeat(8_192),
    ]);
    many.push(["retry-after", "120"]);
    const kept = recordedHeaders(many);
    expect(kept["retry-after"]).toBe("120");
    expect(Object.keys(kept).length).toBeLessThanOrEqual(MAX_RECORDED_HEADERS);
    expect(size(kept)).toBeLessThanOrEqual(MAX_RECORDED_HEADER_BYTES);
    expect(kept["x-000"]).toBe("v".repeat(MAX_RECORDED_HEADER_VALUE));
  });

  it("stops at MAX_RECORDED_HEADERS small headers", () => {
    const small: [string, string][] = Array.from({ length: 80 }, (_, i) => [`h${i}`, "1"]);
    expect(Object.keys(recordedHeaders(small))).toHaveLength(MAX_RECORDED_HEADERS);
  });
});
