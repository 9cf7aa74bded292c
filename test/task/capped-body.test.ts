import { describe, expect, it } from "vitest";
import { MAX_RESPONSE_BYTES, readCapped } from "../../src/task/capped-body";

/** An answer without a Content-Length, its body a byte stream sent in the given pieces. */
function streamed(...pieces: string[]): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream({
    type: "bytes",
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return new Response(stream);
}

describe("readCapped", () => {
  it("reads answers without a Content-Length each whole, a short one after a long one too", async () => {
    // The buffer a read used is reused by the next: nothing of the long answer may show.
    const long = "x".repeat(5_000);
    expect(await readCapped(streamed(long.slice(0, 2_000), long.slice(2_000)))).toEqual({
      text: long,
      truncated: false,
    });
    expect(await readCapped(streamed("ok"))).toEqual({ text: "ok", truncated: false });
    expect(await readCapped(streamed())).toEqual({ text: "", truncated: false });
    expect(await readCapped(streamed("é", "ü"))).toEqual({ text: "éü", truncated: false });
  });

  it("cuts an answer longer than the cap, never inside a character, and reads the next whole", async () => {
    const over = `${"a".repeat(MAX_RESPONSE_BYTES - 1)}é${"b".repeat(100)}`;
    const cut = await readCapped(streamed(over));
    expect(cut).toEqual({ text: "a".repeat(MAX_RESPONSE_BYTES - 1), truncated: true });
    expect(await readCapped(streamed("after"))).toEqual({ text: "after", truncated: false });
  });

  it("reads many answers at once, each its own", async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `answer ${i} `.repeat(i + 1));
    const read = await Promise.all(texts.map((text) => readCapped(streamed(text))));
    expect(read.map((r) => r.text)).toEqual(texts);
  });

  it("reads an answer with a Content-Length within the cap as it is", async () => {
    const response = new Response("framed", { headers: { "content-length": "6" } });
    expect(await readCapped(response)).toEqual({ text: "framed", truncated: false });
    expect(await readCapped(new Response(null))).toEqual({ text: "", truncated: false });
  });
});
