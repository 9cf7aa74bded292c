// `node bench/capacity.ts [--from bench/results/<run>.json] [--bytes 200] [--chunk 30]
// [--wall-ms 100]`: the capacity model of docs/performance.md as a Markdown table — calls per
// second x retention days -> D1 GB of history, D1 databases (shards) needed, Queue messages per
// second and the monthly price at list prices. Without --from it uses the design's estimates
// per call; with it, the per-call figures Belfry measured in that run (the wall time stays an
// input: in a deployment it is the target's response time, not the local receiver's).
import { readFileSync } from "node:fs";
import { type PerCall, pricePerMillion } from "./price.ts";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Cloudflare's limits that the model checks (Workers Paid). */
const D1_DATABASE_GB = 10;
const D1_ACCOUNT_GB = 1000;
const QUEUE_MESSAGES_PER_SECOND = 5000;
const SECONDS_PER_MONTH = 30 * 86_400;

const chunk = flag("--chunk", 30);
const wallMs = flag("--wall-ms", 100);
const fromIndex = process.argv.indexOf("--from");
const measured = fromIndex >= 0 ? process.argv[fromIndex + 1] : undefined;

/**
 * Per call, as designed and as a benchmark run counted it: one alarm plus one acknowledgement
 * per chunk; one storage put; per chunk a history row (the row and its two indexes: 3 rows
 * written), the project's stats aggregate for the minute (1), the task's index row updated (4
 * rows written, as D1 counted them) and the history row's later purge (3); one Queue message per
 * chunk of `chunk` records (a task calling every second: about 30, HISTORY_FLUSH_MS 30 s).
 */
function designed(): PerCall {
  const bytes = flag("--bytes", 200);
  return {
    doRequests: 1 + 1 / chunk,
    doRowsWritten: 1,
    doAlarmWrites: 1,
    doWallMs: wallMs,
    d1RowsWritten: (3 + 1 + 4) / chunk,
    d1PurgeRows: 3 / chunk,
    queueMessages: 1 / chunk,
    queueBytes: 240,
    d1Bytes: bytes,
  };
}

function fromRun(file: string): PerCall {
  const run = JSON.parse(readFileSync(file, "utf8")) as {
    price?: { belfry?: { perCall?: PerCall } };
  };
  const perCall = run.price?.belfry?.perCall;
  if (!perCall) throw new Error(`${file} holds no per-call figures for Belfry`);
  return { ...perCall, doWallMs: wallMs };
}

const perCall = measured ? fromRun(measured) : designed();
const rates = [10, 100, 300, 1000, 3000, 10_000];
const retentions = [7, 30, 90];

console.log(
  `Inputs per call: ${perCall.d1Bytes.toFixed(0)} D1 bytes, ${perCall.queueMessages.toFixed(3)} Queue messages, ` +
    `${perCall.doRequests.toFixed(2)} DO requests, ${(perCall.doRowsWritten + perCall.d1RowsWritten + perCall.d1PurgeRows).toFixed(2)} rows written, ` +
    `${perCall.doWallMs} ms DO wall time${measured ? ` (measured: ${measured})` : " (design estimates)"}\n`,
);
console.log(
  "| calls/s | retention | history in D1 | D1 databases (10 GB) | one D1 full after | Queue messages/s | calls/month | $/month at list prices |",
);
console.log(
  "| ------: | --------: | ------------: | -------------------: | ----------------: | ---------------: | ----------: | ---------------------: |",
);
for (const rate of rates) {
  for (const days of retentions) {
    const gb = (rate * 86_400 * days * perCall.d1Bytes) / 1e9;
    const shards = Math.max(1, Math.ceil(gb / D1_DATABASE_GB));
    const fullDays = (D1_DATABASE_GB * 1e9) / (rate * 86_400 * perCall.d1Bytes);
    const messages = rate * perCall.queueMessages;
    const callsPerMonth = rate * SECONDS_PER_MONTH;
    const usdPerMillion = pricePerMillion(perCall, days).reduce(
      (s, l) => s + l.usdPerMillionCalls,
      0,
    );
    const monthly = (callsPerMonth / 1e6) * usdPerMillion;
    const over = [
      gb > D1_ACCOUNT_GB ? " (over 1 TB per account)" : "",
      messages > QUEUE_MESSAGES_PER_SECOND ? " (over one queue)" : "",
    ];
    console.log(
      `| ${rate.toLocaleString("en-US")} | ${days} d | ${gb < 10 ? gb.toFixed(1) : Math.round(gb).toLocaleString("en-US")} GB${over[0]} | ${shards} | ` +
        `${fullDays >= 365 ? "> 1 year" : fullDays >= 1 ? `${fullDays.toFixed(1)} days` : `${(fullDays * 24).toFixed(1)} hours`} | ` +
        `${messages < 10 ? messages.toFixed(1) : Math.round(messages).toLocaleString("en-US")}${over[1]} | ${(callsPerMonth / 1e6).toLocaleString("en-US", { maximumFractionDigits: 0 })} M | ` +
        `$${Math.round(monthly).toLocaleString("en-US")} ($${usdPerMillion.toFixed(2)}/M) |`,
    );
  }
}
