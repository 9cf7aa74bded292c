import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Attempt log lines are for operators; show them only for failing tests.
    silent: "passed-only",
    // Two files at a time (the default on two cores is one): most tests wait on alarms, a
    // receiver or a dev server rather than compute, so two share the cores well. npm test took
    // 5.1 minutes one file at a time on a two-core machine, 3.2 with two.
    maxWorkers: 2,
    projects: [
      {
        // Unit and API tests inside workerd: real D1, Durable Objects, alarms and queues.
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                RECEIVER_URL: inject("receiverUrl"),
                BELFRY_ADMIN_TOKEN: "test-admin-token",
                BELFRY_ALLOW_PRIVATE_URLS: "1",
                // Short intervals keep schedule tests fast while still firing real alarms.
                MIN_INTERVAL_MS: "10",
                // The fuzz suite's seed: `FUZZ_SEED=123 npm test` replays a reported failure.
                FUZZ_SEED: process.env.FUZZ_SEED ?? "",
                // `FUZZ_SCALE=10 npm test` makes ten times the fuzz suite's runs.
                FUZZ_SCALE: process.env.FUZZ_SCALE ?? "",
                // History over two shards, as a deployment that outgrew one D1 would have it.
                HISTORY_DATABASES: "DB,HISTORY_B",
                // Attempts leave the outbox within 500 ms, so tests need not wait for them long.
                HISTORY_FLUSH_MS: "500",
              },
              d1Databases: ["HISTORY_B"],
              // The fuzz suites send thousands of requests with one key within seconds; the
              // per-key limit itself is tested in the policy project below.
              ratelimits: {
                RATE_LIMITER: { namespace_id: "1001", simple: { limit: 100_000, period: 10 } },
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: [
            "test/core/**/*.test.ts",
            "test/db/**/*.test.ts",
            "test/dialects/**/*.test.ts",
            "test/cli/**/*.test.ts",
            "test/history/**/*.test.ts",
            "test/task/**/*.test.ts",
            "test/api/**/*.test.ts",
          ],
          globalSetup: ["./test/support/global-setup.ts"],
          setupFiles: ["./test/support/apply-migrations.ts"],
          // One runtime for every file instead of one each (about 5 s apiece on this machine):
          // files share D1 and objects, which is safe because each test makes its own data.
          isolate: false,
          testTimeout: 30_000,
        },
      },
      {
        // The API with a deployment's policy: private URLs refused, and limits small enough for
        // a test to reach (the real defaults are far above anything the other tests do).
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                BELFRY_ADMIN_TOKEN: "test-admin-token",
                // Not "1": .dev.vars, which the plugin reads when it exists, lifts the policy.
                BELFRY_ALLOW_PRIVATE_URLS: "0",
                MAX_BODY_BYTES: "4096",
                MAX_HEADERS: "3",
                MAX_HEADER_BYTES: "64",
                MAX_TASKS: "3",
                MAX_CALLS_PER_MINUTE: "150",
                RATE_LIMIT_PERIOD_SECONDS: "60",
              },
              ratelimits: {
                RATE_LIMITER: { namespace_id: "1001", simple: { limit: 100, period: 60 } },
              },
            },
          })),
        ],
        test: {
          name: "policy",
          include: ["test/policy/**/*.test.ts"],
          setupFiles: ["./test/support/apply-migrations.ts"],
          isolate: false,
          testTimeout: 30_000,
        },
      },
      {
        // End-to-end tests in Node against a real `npm run dev` server and a loopback receiver.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["./test/e2e/support/global-setup.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The dashboard in a real headless Chromium against `npm run dev` (.ci/run installs it).
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
