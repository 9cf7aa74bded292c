import type {
  LoopitisRequestBody,
  LoopitisRequestView,
  LoopitisShownRequest,
} from "../../src/dialects/loopitis-shapes";
import { BelfryClient, exchange, failure } from "../client";
import { apiKey, type GlobalOptions, serverUrl } from "../connection";

/**
 * The Loopitis routes (`/requests`, docs/dialects.md) for the `belfry requests` commands. They
 * answer bare objects, not the native envelope; requests and errors go through the native
 * client's exchange, so the CLI reports them the same way.
 */
export class LoopitisClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: { url: string; apiKey: string; fetch?: typeof fetch }) {
    this.base = options.url.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The native client on the same server and key, for what the native API reads better. */
  native(): BelfryClient {
    return new BelfryClient({
      url: this.base,
      apiKey: this.options.apiKey,
      ...(this.options.fetch && { fetch: this.options.fetch }),
    });
  }

  /** POST /requests: the server builds the envelope and its links. */
  add(body: LoopitisRequestBody): Promise<LoopitisRequestView> {
    return this.request("POST", "/requests", body);
  }

  /** GET /requests: one page, newest first. */
  list(query: { status?: string; limit: number; offset: number }): Promise<LoopitisRequestView[]> {
    const params = new URLSearchParams({
      limit: String(query.limit),
      offset: String(query.offset),
    });
    if (query.status !== undefined) params.set("status", query.status);
    return this.request("GET", `/requests?${params}`);
  }

  /** GET /requests/:id: one request with its latest calls. */
  show(id: string): Promise<LoopitisShownRequest> {
    return this.request("GET", `/requests/${encodeURIComponent(id)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const connection = { url: this.base, secret: this.options.apiKey, fetch: this.fetch };
    const answer = await exchange<T>(connection, method, path, body);
    if (answer.ok) return answer.json;
    throw failure(method, `${this.base}${path}`, answer.status, answer.json);
  }
}

/** A client for the Loopitis routes from the global options, or a one-line reason why not. */
export function loopitisClient(
  options: GlobalOptions,
  env: Record<string, string | undefined>,
): LoopitisClient {
  return new LoopitisClient({ url: serverUrl(options, env), apiKey: apiKey(options, env) });
}
