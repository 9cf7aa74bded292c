import type { ErrorCode, ErrorDetail } from "../../src/core/errors";
import type {
  LoopitisRequestBody,
  LoopitisRequestView,
  LoopitisShownRequest,
} from "../../src/dialects/loopitis-shapes";
import { BelfryClient, BelfryClientError } from "../client";
import { DEFAULT_SERVER, type GlobalOptions } from "../connection";
import { CliError } from "../output";

/**
 * The Loopitis routes (`/requests`, docs/dialects.md) for the `belfry requests` commands. They
 * answer bare objects, not the native envelope, so they have this small client of their own;
 * errors are the native client's, so the CLI reports them the same way.
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
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new BelfryClientError(0, "network_error", `cannot reach ${this.base}: ${why}`);
    }
    const text = await res.text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new BelfryClientError(
        res.status,
        "invalid_response",
        `${method} ${url} answered ${res.status} without JSON: ${text.slice(0, 200)}`,
      );
    }
    if (res.ok) return answer as T;
    const error = (
      answer as { error?: { code: ErrorCode; message: string; details?: ErrorDetail[] } }
    ).error;
    if (!error) {
      throw new BelfryClientError(
        res.status,
        "invalid_response",
        `${method} ${url} answered ${res.status}`,
      );
    }
    throw new BelfryClientError(res.status, error.code, error.message, error.details ?? []);
  }
}

/** A client for the Loopitis routes from the global options, or a one-line reason why not. */
export function loopitisClient(
  options: GlobalOptions,
  env: Record<string, string | undefined>,
): LoopitisClient {
  const apiKey = options.apiKey ?? env.BELFRY_API_KEY;
  if (!apiKey) throw new CliError("no API key: pass --api-key or set BELFRY_API_KEY");
  const url = options.server ?? env.BELFRY_URL ?? DEFAULT_SERVER;
  if (!/^https?:\/\/[^/]/i.test(url)) {
    throw new CliError(`server URL ${JSON.stringify(url)} must start with http:// or https://`);
  }
  return new LoopitisClient({ url, apiKey });
}
