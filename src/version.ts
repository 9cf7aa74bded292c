/** Belfry's version, sent in User-Agent and reported by /healthz. */
export const VERSION = "0.1.0";
