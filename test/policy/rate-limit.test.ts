import { describe, expect, it } from "vitest";
import type { ErrorEnvelope } from "../../src/wire/answers";
import { ADMIN_TOKEN, api, createProject } from "../support/helpers";

// Runs in the "policy" test project, whose RATE_LIMITER binding allows 100 requests per key in
// 60 s (the deployed default, 1 000 per 10 s, is far above what any test or benchmark sends).

const LIMIT = 100;

/** GET the task list with `key` until it is refused, at most `max` times; returns what came. */
async function listUntilRefused(key: string, max: number) {
  let accepted = 0;
  for (let i = 0; i < max; i++) {
    const res = await api<ErrorEnvelope>("GET", "/api/v1/tasks?limit=1", { key });
    if (res.status !== 200) return { accepted, refused: res };
    accepted++;
  }
  return { accepted, refused: null };
}

describe("the per-key rate limit", () => {
  it("answers 429 rate_limited with Retry-After once a key is over it; other keys go on", async () => {
    const busy = await createProject("rate-busy");
    const calm = await createProject("rate-calm");
    const sibling = await api<{ payload: { api_key: string } }>(
      "POST",
      `/api/v1/projects/${busy.id}/keys`,
      { key: ADMIN_TOKEN },
    );

    // The limit counts in windows; 2 × LIMIT + 1 requests cannot all fit in two of them.
    const { accepted, refused } = await listUntilRefused(busy.key, 2 * LIMIT + 1);
    expect(refused, "never refused").not.toBeNull();
    // A fresh key gets at least its full allowance: each request counts once, however many
    // middlewares it passes.
    expect(accepted).toBeGreaterThanOrEqual(LIMIT);
    expect(accepted).toBeLessThanOrEqual(2 * LIMIT);
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get("retry-after")).toBe("60");
    expect(refused?.json).toEqual({
      status: "error",
      error: {
        code: "rate_limited",
        message: "too many requests with this API key; retry after 60 s",
        details: [],
      },
    });

    // Every route behind the key is limited, not only the one that was hammered.
    const create = await api("POST", "/api/v1/tasks", {
      key: busy.key,
      body: { url: "https://example.com/x", schedule: { delay: "1h" } },
    });
    expect(create.status).toBe(429);

    // The limit is per key: another key of the same project, and another project, are served.
    expect((await api("GET", "/api/v1/tasks", { key: sibling.json.payload.api_key })).status).toBe(
      200,
    );
    expect((await api("GET", "/api/v1/tasks", { key: calm.key })).status).toBe(200);
  });
});
