// Secrets and local-only settings: absent in a deploy unless set with `wrangler secret put`,
// so they are declared optional here rather than generated from .dev.vars.
interface Env {
  BELFRY_ADMIN_TOKEN?: string;
  BELFRY_ALLOW_PRIVATE_URLS?: string;
  BELFRY_DEV_API_KEY?: string;
  BELFRY_DEV_SIGNING_SECRET?: string;
  /** Origins (comma-separated, or `*`) whose pages may call the API; none by default. */
  CORS_ORIGINS?: string;
  /** "1" serves the operation counts at GET /api/v1/admin/meter (the benchmark sets it). */
  BELFRY_METER?: string;
}
