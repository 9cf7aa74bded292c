import { applyD1Migrations, env } from "cloudflare:test";

// Every database gets every table: the index's database is also history shard 0.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const second = (env as unknown as Record<string, D1Database | undefined>).HISTORY_B;
if (second) await applyD1Migrations(second, env.TEST_MIGRATIONS);
