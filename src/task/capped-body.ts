/**
 * Response bodies are read up to this many decoded bytes, enough for `$state`; the history
 * keeps at most HISTORY_BODY_BYTES of them.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024;

/** Decodes answers read whole; one cut at the cap gets a decoder of its own (see readCapped). */
const utf8 = new TextDecoder();

/** The most read buffers an isolate keeps for reuse, one per read in flight at once. */
const MAX_SPARE_BUFFERS = 64;

/**
 * Read buffers (MAX_RESPONSE_BYTES + 1 each) whose answers have been decoded. A read hands its
 * buffer over to the stream and gets it back with the bytes read; keeping it for the next read
 * spares every answer without a Content-Length a fresh 16 KiB allocation, which at hundreds of
 * calls a second is megabytes of buffers a second for the garbage collector to free
 * (docs/performance.md).
 */
const spareBuffers: ArrayBuffer[] = [];

function takeBuffer(): Uint8Array {
  return new Uint8Array(spareBuffers.pop() ?? new ArrayBuffer(MAX_RESPONSE_BYTES + 1));
}

function giveBack(bytes: Uint8Array): void {
  const { buffer } = bytes;
  const whole = buffer instanceof ArrayBuffer && buffer.byteLength === MAX_RESPONSE_BYTES + 1;
  if (whole && spareBuffers.length < MAX_SPARE_BUFFERS) {
    spareBuffers.push(buffer);
  }
}

/**
 * Read an answer's body: at most MAX_RESPONSE_BYTES of it, counted in decoded bytes. The
 * runtime decodes gzip, br and deflate itself while Content-Length stays the compressed size,
 * so the stream is read and cut, and the rest is never read: a 100-byte answer that inflates
 * to gigabytes costs no more than 16 KiB (docs/security.md). The call's own AbortSignal (its
 * timeout) cuts the body as well as the headers, so a target that sends headers and then
 * stalls is a timeout like one that never answers.
 */
export async function readCapped(
  response: Response,
): Promise<{ text: string; truncated: boolean }> {
  const body = response.body;
  if (!body) return { text: "", truncated: false };
  // An answer sent as-is is framed by its Content-Length: it cannot hold more bytes than
  // that, and reading a small one natively is far cheaper than a read loop.
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (!response.headers.has("content-encoding") && declared <= MAX_RESPONSE_BYTES) {
    return { text: await response.text(), truncated: false };
  }
  // One read into a buffer one byte larger than the cap: the runtime fills it natively and
  // answers when it is full or the body has ended, so a byte beyond the cap means "cut".
  const reader = body.getReader({ mode: "byob" });
  const { value } = await reader.readAtLeast(MAX_RESPONSE_BYTES + 1, takeBuffer());
  const bytes = value ?? new Uint8Array(0);
  const truncated = bytes.byteLength > MAX_RESPONSE_BYTES;
  // A whole answer's reader is released at once: left locked, it keeps the answer's stream
  // alive until a full garbage collection, which pauses the thread far longer
  // (docs/performance.md).
  if (truncated) await reader.cancel().catch(() => undefined);
  else reader.releaseLock();
  // A cut one is decoded with `stream`, which leaves out a character cut in half at the cap
  // instead of writing U+FFFD; the decoder is its own, since `stream` keeps that half.
  const text = truncated
    ? new TextDecoder().decode(bytes.subarray(0, MAX_RESPONSE_BYTES), { stream: true })
    : utf8.decode(bytes);
  giveBack(bytes);
  return { text, truncated };
}
