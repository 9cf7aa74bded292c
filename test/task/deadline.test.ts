import { describe, expect, it } from "vitest";
import { deadline } from "../../src/task/deadline";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("deadline", () => {
  it("aborts its signal with a TimeoutError once its time has passed", async () => {
    const limit = deadline(10);
    expect(limit.signal.aborted).toBe(false);
    await sleep(50);
    expect(limit.signal.aborted).toBe(true);
    expect((limit.signal.reason as Error).name).toBe("TimeoutError");
  });

  it("never aborts once cleared", async () => {
    const limit = deadline(10);
    limit.clear();
    await sleep(50);
    expect(limit.signal.aborted).toBe(false);
  });
});
