/** Machine-readable error codes of the API's error envelope. */
export const ERROR_CODES = [
  "invalid_request",
  "unauthorized",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  path: string;
  message: string;
}

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
};

/** A mistake the caller can fix: answered with its status and message, never logged as a bug. */
export class BelfryError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "BelfryError";
    this.status = STATUS[code];
  }

  /** The JSON-safe form used across RPC boundaries, where class identity is lost. */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

/** A 400 naming the offending field. */
export function invalidField(path: string, message: string): BelfryError {
  return new BelfryError("invalid_request", `${path}: ${message}`, [{ path, message }]);
}

/** Rebuild a BelfryError from its serialized form. */
export function fromSerialized(error: SerializedError): BelfryError {
  return new BelfryError(error.code, error.message, error.details);
}

/**
 * A 409 naming the budget a request would exceed, by the setting that sets it (MAX_TASKS,
 * MAX_CALLS_PER_MINUTE, MAX_QUEUED_RUNS): the message starts with it and the detail's path is it.
 */
export function overBudget(budget: string, message: string): BelfryError {
  return new BelfryError("conflict", `${budget}: ${message}`, [{ path: budget, message }]);
}
