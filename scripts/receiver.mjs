#!/usr/bin/env node
// `npm run receiver`: a tiny HTTP receiver on 127.0.0.1 that prints every call it gets and
// answers 200 — a target for trying Belfry locally. Port: first argument or 9000.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 9000);

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const execution = req.headers["belfry-execution"] ?? "-";
    const scheduled = req.headers["belfry-scheduled-at"] ?? "-";
    console.log(
      `${new Date().toISOString()} ${req.method} ${req.url} execution=${execution} ` +
        `scheduled=${scheduled} ${body}`,
    );
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
}).listen(port, "127.0.0.1", () => {
  console.log(`receiver listening on http://127.0.0.1:${port}`);
});
