import { createServer, type IncomingMessage, type Server } from "node:http";
import { answerHostile } from "./hostile-target";
import type { ProgrammedResponse, ReceivedCall } from "./receiver-types";

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A real HTTP receiver on 127.0.0.1 for tests and benchmarks. Calls to /hook/<bucket>/… are
 * recorded per bucket and answered as programmed (default 200 {"ok":true});
 * POST /_program/<bucket> sets the next answers; GET /_calls/<bucket> lists what arrived.
 */
export async function startReceiver(): Promise<{ url: string; server: Server }> {
  const calls = new Map<string, ReceivedCall[]>();
  const programs = new Map<string, ProgrammedResponse[]>();
  const server = createServer((req, res) => {
    const at = Date.now();
    void (async () => {
      const url = new URL(req.url ?? "/", "http://receiver");
      const [, kind, bucket = ""] = url.pathname.split("/");
      const body = await readBody(req);
      if (kind === "_program" && req.method === "POST") {
        programs.set(bucket, JSON.parse(body) as ProgrammedResponse[]);
        res.writeHead(204).end();
        return;
      }
      if (kind === "_calls") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(calls.get(bucket) ?? []));
        return;
      }
      if (kind !== "hook") {
        res.writeHead(404).end();
        return;
      }
      const list = calls.get(bucket) ?? [];
      list.push({
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(", ") : (v ?? ""),
          ]),
        ),
        body,
        at,
      });
      calls.set(bucket, list);
      const answer = programs.get(bucket)?.shift() ?? {};
      if (answer.hostile) {
        await answerHostile(res, answer.hostile);
        return;
      }
      if (answer.delay_ms) await new Promise((r) => setTimeout(r, answer.delay_ms));
      if (res.destroyed) return;
      res.writeHead(answer.status ?? 200, {
        "content-type": "application/json",
        ...answer.headers,
      });
      res.end(answer.body ?? '{"ok":true}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("receiver did not bind");
  return { url: `http://127.0.0.1:${address.port}`, server };
}
