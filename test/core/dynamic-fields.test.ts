import { describe, expect, it } from "vitest";
import {
  type DynamicContext,
  extractState,
  hasDynamicFields,
  resolveDynamicFields,
} from "../../src/core/dynamic-fields";
import { executionUuid } from "../../src/core/execution-uuid";

function context(overrides: Partial<DynamicContext> = {}): DynamicContext {
  return {
    job: {
      id: "exec_42",
      name: "sync",
      execution: 7,
      execution_id: "exec-7",
      attempt: 2,
      scheduled_at: "2026-01-15T12:00:00.000Z",
    },
    state: { cursor: "abc", pages: [10, 20], nested: { deep: true } },
    previous: { status_code: 200, body: { next_cursor: "c2", items: [{ id: 1 }, { id: 2 }] } },
    ...overrides,
  };
}

describe("resolveDynamicFields", () => {
  it("replaces the three roots with their whole values", () => {
    const ctx = context();
    expect(resolveDynamicFields({ j: "$job", s: "$state", p: "$previous" }, ctx)).toEqual({
      j: { ...ctx.job, execution_uuid: executionUuid(ctx.job.execution_id) },
      s: ctx.state,
      p: ctx.previous,
    });
  });

  it("follows dotted paths, including array indexes, at any depth", () => {
    const body = {
      cursor: "$previous.body.next_cursor",
      list: ["$job.execution", { deep: ["$previous.body.items.1.id"] }],
      first: "$previous.body.items.0",
      page: "$state.pages.1",
      flag: "$state.nested.deep",
      status: "$previous.status_code",
    };
    expect(resolveDynamicFields(body, context())).toEqual({
      cursor: "c2",
      list: [7, { deep: [2] }],
      first: { id: 1 },
      page: 20,
      flag: true,
      status: 200,
    });
  });

  it("replaces a top-level string", () => {
    expect(resolveDynamicFields("$job.id", context())).toBe("exec_42");
    expect(resolveDynamicFields("$job.name", context())).toBe("sync");
  });

  it("turns missing paths into null", () => {
    const body = [
      "$state.missing",
      "$previous.body.items.5",
      "$previous.body.next_cursor.deeper",
      "$job.execution.x",
    ];
    expect(resolveDynamicFields(body, context())).toEqual([null, null, null, null]);
    expect(
      resolveDynamicFields(["$previous", "$previous.body"], context({ previous: null })),
    ).toEqual([null, null]);
    expect(resolveDynamicFields("$state", context({ state: undefined }))).toBeNull();
  });

  it("interprets nothing else", () => {
    const body = {
      $job: "$jobs",
      a: "price: $job",
      b: "$Job",
      c: "$job.",
      d: "$job..id",
      e: " $job",
      f: "$state is done",
      g: "$previous.body.next cursor",
      h: "$$job",
      n: 5,
      t: true,
      z: null,
    };
    expect(resolveDynamicFields(body, context())).toEqual(body);
  });

  it("never reads through the prototype chain", () => {
    const body = [
      "$state.__proto__",
      "$state.constructor",
      "$state.toString",
      "$job.hasOwnProperty",
      "$state.pages.length",
      "$state.constructor.prototype",
    ];
    expect(resolveDynamicFields(body, context())).toEqual([null, null, null, null, null, null]);
  });

  it("reads a JSON key literally named __proto__ as data without polluting anything", () => {
    const state = JSON.parse('{"__proto__": {"polluted": true}}');
    const body = JSON.parse('{"__proto__": "$state.__proto__", "x": "$state.__proto__.polluted"}');
    const out = resolveDynamicFields(body, context({ state }));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"x":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("returns a new value and leaves the body and context untouched", () => {
    const body = { a: ["$state"], b: { c: "$previous.body" } };
    const before = structuredClone(body);
    const ctx = context();
    const ctxBefore = structuredClone(ctx);
    const out = resolveDynamicFields(body, ctx) as { a: [{ cursor: string }] };
    out.a[0].cursor = "changed";
    expect(body).toEqual(before);
    expect(ctx).toEqual(ctxBefore);
  });
});

describe("hasDynamicFields", () => {
  it("finds a field at any depth", () => {
    expect(hasDynamicFields("$job")).toBe(true);
    expect(hasDynamicFields({ a: [1, { b: "$previous.body.x" }] })).toBe(true);
    expect(hasDynamicFields([["$state"]])).toBe(true);
  });

  it("ignores keys and look-alike strings", () => {
    expect(hasDynamicFields({ $job: "x", a: ["$jobs", "price: $job", "$Job", 3, null] })).toBe(
      false,
    );
    expect(hasDynamicFields(null)).toBe(false);
    expect(hasDynamicFields(undefined)).toBe(false);
  });
});

describe("extractState", () => {
  it("returns the top-level $state value", () => {
    expect(extractState('{"ok": true, "$state": {"cursor": "c9"}}')).toEqual({ cursor: "c9" });
    expect(extractState('  {"$state": [1, 2]}')).toEqual([1, 2]);
  });

  it("keeps null, so a target can clear its state", () => {
    expect(extractState('{"$state": null}')).toBeNull();
  });

  it("leaves the state unchanged when there is no top-level $state", () => {
    for (const text of [
      "",
      "ok",
      "<html>$state</html>",
      '[{"$state": 1}]',
      '{"data": {"$state": 1}}',
      '{"$state": 1',
      '"$state"',
    ]) {
      expect(extractState(text), text).toBeUndefined();
    }
  });

  it("accepts 16 KiB of state and refuses more", () => {
    // JSON encoding of a string adds two quote characters.
    const fits = "x".repeat(16 * 1024 - 2);
    expect(extractState(JSON.stringify({ $state: fits }))).toBe(fits);
    expect(extractState(JSON.stringify({ $state: `${fits}x` }))).toBeUndefined();
  });

  it("measures the size in UTF-8 bytes", () => {
    const tooBig = "é".repeat(8 * 1024); // 16 KiB of bytes plus two quotes
    expect(extractState(JSON.stringify({ $state: tooBig }))).toBeUndefined();
  });
});
