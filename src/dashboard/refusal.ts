import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * A dashboard request refused for a reason the API has no error code for (a form from another
 * origin, a stale CSRF token, no session secret configured): shown as a page, never as JSON.
 */
export class Refusal extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
    this.name = "Refusal";
  }
}
