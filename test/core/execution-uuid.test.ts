import { describe, expect, it } from "vitest";
import { executionUuid, sha1, uuidV5 } from "../../src/core/execution-uuid";

const hex = (bytes: ArrayBuffer | Uint8Array) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

describe("sha1", () => {
  it("agrees with Web Crypto across the padding boundaries", async () => {
    for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const expected = await crypto.subtle.digest("SHA-1", bytes);
      expect(hex(sha1(bytes)), `length ${length}`).toBe(hex(expected));
    }
  });
});

describe("uuidV5", () => {
  it("matches RFC 9562's name-based UUIDs (Python's uuid5 for the DNS namespace)", () => {
    expect(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).toBe(
      "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    );
  });
});

describe("executionUuid", () => {
  it("is UUID-shaped, version 5, the same for the same execution id and apart for others", () => {
    const id = "6d2f103f-8720-4c8e-b841-3ff5ace52481-mf3k2x1a-1";
    const uuid = executionUuid(id);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Python: uuid.uuid5(uuid.UUID(EXECUTION_NAMESPACE), id)
    expect(uuid).toBe("de628147-35df-5c24-bf80-6ac051a3bf01");
    expect(executionUuid(id)).toBe(uuid);
    expect(executionUuid(id.replace(/1$/, "2"))).not.toBe(uuid);
  });
});
