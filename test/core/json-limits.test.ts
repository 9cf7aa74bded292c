import { describe, expect, it } from "vitest";
import { jsonProblem } from "../../src/core/json-limits";

describe("jsonProblem", () => {
  const nest = (depth: number): unknown => (depth === 0 ? "leaf" : { a: nest(depth - 1) });

  it("accepts ordinary JSON, emoji and NUL included", () => {
    expect(
      jsonProblem({ name: "bell \u{1f514}", list: [1, "a\u0000b", null, { ok: true }] }),
    ).toBeNull();
    expect(jsonProblem(nest(64))).toBeNull();
  });

  it("refuses nesting past the limit, naming the body, at any depth without recursion", () => {
    expect(jsonProblem(nest(65))).toEqual({ path: "body", message: "nests deeper than 64 levels" });
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(jsonProblem(deep)?.path).toBe("body");
  });

  it("names the field holding an unpaired surrogate, in a value or a key", () => {
    expect(jsonProblem({ headers: { "X-A": "\ud800" } })).toEqual({
      path: "headers.X-A",
      message: "contains an unpaired surrogate",
    });
    expect(jsonProblem({ body: { list: ["ok", "x\udfff"] } })?.path).toBe("body.list.1");
    expect(jsonProblem({ query: { "\udc00": "v" } })).toEqual({
      path: "query.\ufffd",
      message: "has an unpaired surrogate",
    });
    // A body that is not an object is named as `body`.
    expect(jsonProblem(["\ud800"])?.path).toBe("body.0");
    expect(jsonProblem("\ud800")?.path).toBe("body");
  });
});
