import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/core/history";
import { scheduledExecutionId } from "../../src/core/timers";
import {
  type CompactAttempt,
  cutToBytes,
  decodeAttempts,
  encodeAttempt,
} from "../../src/history/records";

const owner = { task_id: "8b1a9953-c461-4296-9c4c-1f6b1c6f1f5e", created_at: 1_796_000_000_000 };

function record(fields: Partial<AttemptRecord> = {}): AttemptRecord {
  const execution_id = scheduledExecutionId(owner.task_id, owner.created_at, 0, 1_796_000_005_000);
  return {
    id: `${execution_id}:1`,
    execution_id,
    task_id: owner.task_id,
    project_id: "p1",
    number: 3,
    attempt: 1,
    scheduled_at: 1_796_000_005_000,
    started_at: 1_796_000_005_012,
    duration_ms: 4,
    lateness_ms: 12,
    status_code: 200,
    successful: true,
    error: null,
    response: { headers: { "content-type": "text/plain" }, body: "ok", truncated: false },
    final: true,
    ...fields,
  };
}

describe("compact attempts", () => {
  it("round-trip to the record the API shows", () => {
    const original = record({
      successful: false,
      status_code: 503,
      error: "HTTP 503",
      final: false,
    });
    const json = encodeAttempt(original, owner, 1024, 64_000);
    const [decoded] = decodeAttempts({ ...owner, project_id: "p1" }, [JSON.parse(json)]);
    expect(decoded).toEqual(original);
  });

  it("take few bytes for a small answer", () => {
    expect(encodeAttempt(record(), owner, 1024, 64_000).length).toBeLessThan(110);
  });

  it("cut the body to HISTORY_BODY_BYTES in UTF-8 bytes, never inside a character", () => {
    const body = "é".repeat(1000); // 2 bytes each
    const json = encodeAttempt(
      record({ response: { headers: {}, body, truncated: false } }),
      owner,
      1001,
      64_000,
    );
    const compact = JSON.parse(json) as CompactAttempt;
    expect(compact[9]).toBe("é".repeat(500));
    const [decoded] = decodeAttempts({ ...owner, project_id: "p1" }, [compact]);
    expect(decoded?.response.truncated).toBe(true);
    expect(cutToBytes("a😀b", 3)).toBe("a");
  });

  it("shrink a record that could never fit: 16 KiB of control bytes and big headers", () => {
    const body = "\u0001".repeat(16 * 1024); // six bytes each once JSON-escaped
    const headers = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`x-h${i}`, "v".repeat(8000)]),
    );
    const json = encodeAttempt(
      record({ response: { headers, body, truncated: false } }),
      owner,
      16 * 1024,
      64_000,
    );
    expect(json.length).toBeLessThanOrEqual(64_000);
    const [decoded] = decodeAttempts({ ...owner, project_id: "p1" }, [JSON.parse(json)]);
    expect(decoded?.response.truncated).toBe(true);
    expect(decoded?.status_code).toBe(200);
  });
});
