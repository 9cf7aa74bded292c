import { describe, expect, it } from "vitest";
import { constantTimeEqual, hashSecret, newApiKey } from "../../src/core/keys";

describe("API keys", () => {
  it("are bf_ and 32 random bytes, base64url, and never repeat", () => {
    const keys = new Set(Array.from({ length: 100 }, newApiKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^bf_[A-Za-z0-9_-]{43}$/);
  });

  it("are stored as their SHA-256, hex", async () => {
    // The FIPS 180-2 test vector for "abc".
    expect(await hashSecret("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("constantTimeEqual", () => {
  it.each([
    ["", "", true],
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["abc", "ab", false],
    ["ab", "abc", false],
    ["", "a", false],
    ["\u00e9", "e\u0301", false],
    ["a".repeat(64), "a".repeat(64), true],
    ["a".repeat(64), `${"a".repeat(63)}b`, false],
  ])("compares %j and %j: %s", (a, b, equal) => {
    expect(constantTimeEqual(a, b)).toBe(equal);
  });
});
