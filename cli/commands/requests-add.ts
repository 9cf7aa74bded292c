import { parseDurationText } from "../../src/core/duration";
import type { LoopitisRequestBody, LoopitisRequestView } from "../../src/dialects/loopitis-shapes";
import { CliError, type CommandOutput, duration, fields } from "../output";
import type { LoopitisClient } from "./requests-client";

/**
 * The flags of `belfry requests add`: the Loopitis document's field names (`--interval`,
 * `--return-url`, `--callback-type`, `--payload`), or Belfry's names for the same fields.
 */
export interface RequestsAddFlags {
  /** Milliseconds between calls, or a duration such as 5s. */
  interval?: string;
  /** Belfry's name for --interval. */
  every?: string;
  occurrences?: number;
  name?: string;
  returnUrl?: string;
  /** Belfry's name for --return-url. */
  url?: string;
  /** A string, sent as the envelope's `payload`. */
  payload?: string;
  /** Belfry's name for --payload. */
  body?: string;
  callbackType?: string;
  /** Belfry's name for --callback-type. */
  method?: string;
}

function oneOf<T>(flags: [string, T | undefined][]): T | undefined {
  const given = flags.filter(([, value]) => value !== undefined);
  if (given.length > 1) {
    throw new CliError(`${given.map(([flag]) => flag).join(" and ")} name one field: give one`);
  }
  return given[0]?.[1];
}

/** An interval in milliseconds: a bare number, or a duration such as 5s or 2m. */
function intervalMs(text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : parseDurationText(text);
  if (ms === null) throw new CliError(`--interval ${JSON.stringify(text)}: expected ms or 5s, 2m…`);
  return ms;
}

/** The flags as the body of POST /requests, every check of the values left to the server. */
export function requestBody(flags: RequestsAddFlags): LoopitisRequestBody {
  const interval = oneOf([
    ["--interval", flags.interval],
    ["--every", flags.every],
  ]);
  const returnUrl = oneOf([
    ["--return-url", flags.returnUrl],
    ["--url", flags.url],
  ]);
  if (interval === undefined) throw new CliError("no interval: give --interval (or --every)");
  if (returnUrl === undefined) throw new CliError("no return URL: give --return-url (or --url)");
  const payload = oneOf([
    ["--payload", flags.payload],
    ["--body", flags.body],
  ]);
  const callbackType = oneOf([
    ["--callback-type", flags.callbackType],
    ["--method", flags.method],
  ]);
  return {
    interval: intervalMs(interval),
    return_url: returnUrl,
    ...(flags.occurrences !== undefined && { occurrences: flags.occurrences }),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(payload !== undefined && { payload }),
    ...(callbackType !== undefined && { callback_type: callbackType }),
  };
}

/** A request as people read it. */
export function renderRequest(r: LoopitisRequestView): string {
  return fields([
    ["requestId", r.requestId],
    ["name", r.name ?? "—"],
    ["status", r.status],
    ["interval", r.interval === null ? "—" : `${r.interval} ms (${duration(r.interval)})`],
    ["occurrences", r.occurrences === null ? "unbounded" : String(r.occurrences)],
    ["return_url", r.return_url],
    ["callback_type", r.callback_type],
    ["cancelLink", r.cancelLink ?? "—"],
    ["showRequest", r.showRequest ?? "—"],
  ]);
}

/** `belfry requests add`: a request with all its parameters, through POST /requests. */
export async function requestsAdd(
  client: LoopitisClient,
  flags: RequestsAddFlags,
): Promise<CommandOutput<LoopitisRequestView>> {
  const request = await client.add(requestBody(flags));
  return { data: request, text: renderRequest(request) };
}
