import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Attempt log lines are for operators; show them only for failing tests.
    silent: "passed-only",
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
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/core/**/*.test.ts", "test/api/**/*.test.ts"],
          globalSetup: ["./test/support/global-setup.ts"],
          setupFiles: ["./test/support/apply-migrations.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // End-to-end tests in Node against a real `npm run dev` server and a loopback receiver.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
