declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    RECEIVER_URL: string;
    /** The fuzz suite's seed from the FUZZ_SEED environment variable ("" for the default). */
    FUZZ_SEED?: string;
    /** How many times the fuzz suite's default runs to make, from FUZZ_SCALE ("" for once). */
    FUZZ_SCALE?: string;
  }
}
