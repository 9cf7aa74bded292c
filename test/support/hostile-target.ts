import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { constants, createBrotliCompress, createDeflate, createGzip } from "node:zlib";
import type { HostileAnswer } from "./receiver-types";

/** How much each bomb inflates to: far beyond what any record or isolate may hold. */
const BOMB_BYTES: Record<"gzip" | "deflate" | "br", number> = {
  gzip: 256 * 1024 * 1024,
  deflate: 256 * 1024 * 1024,
  br: 1024 * 1024 * 1024,
};
/** Control characters, which JSON escapes to six times their size. */
export const CONTROL_BODY_BYTES = 16 * 1024;
export const LARGE_HEADERS = 60;
export const LARGE_HEADER_BYTES = 4 * 1024;

const bombs = new Map<string, Promise<Buffer>>();

/** A compressed body inflating to BOMB_BYTES, made once by streaming, never held inflated. */
function bomb(encoding: "gzip" | "deflate" | "br"): Promise<Buffer> {
  let made = bombs.get(encoding);
  if (!made) {
    made = (async () => {
      const total = BOMB_BYTES[encoding];
      const chunk = Buffer.alloc(1024 * 1024, "bomb ");
      const compressor =
        encoding === "gzip"
          ? createGzip({ level: 9 })
          : encoding === "deflate"
            ? createDeflate({ level: 9 })
            : createBrotliCompress({
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: 5,
                  [constants.BROTLI_PARAM_SIZE_HINT]: total,
                },
              });
      const source = Readable.from(
        (function* () {
          for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
        })(),
      );
      source.pipe(compressor);
      const parts: Buffer[] = [];
      for await (const part of compressor) parts.push(part as Buffer);
      return Buffer.concat(parts);
    })();
    bombs.set(encoding, made);
  }
  return made;
}

/** Answer as a hostile target would (see HostileAnswer). */
export async function answerHostile(res: ServerResponse, kind: HostileAnswer): Promise<void> {
  switch (kind) {
    case "gzip-bomb":
    case "deflate-bomb":
    case "br-bomb": {
      const encoding = kind === "gzip-bomb" ? "gzip" : kind === "deflate-bomb" ? "deflate" : "br";
      const body = await bomb(encoding);
      res.writeHead(200, {
        "content-type": "text/plain",
        "content-encoding": encoding,
        // The compressed size, as a real server sends it: small, and no guide to the decoded size.
        "content-length": String(body.length),
      });
      res.end(body);
      return;
    }
    case "control-bytes": {
      const body = Buffer.alloc(CONTROL_BODY_BYTES);
      for (let i = 0; i < body.length; i++) body[i] = i % 32;
      const headers: Record<string, string> = { "content-type": "application/octet-stream" };
      for (let i = 0; i < LARGE_HEADERS; i++) {
        headers[`x-large-${String(i).padStart(2, "0")}`] = "h".repeat(LARGE_HEADER_BYTES);
      }
      res.writeHead(200, headers);
      res.end(body);
      return;
    }
    case "silent":
      // Accept the call and never answer; the receiver's shutdown closes the connection.
      return;
    case "stalled-body":
      // Headers at once, then a few bytes of a body that never ends.
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
      return;
  }
}
