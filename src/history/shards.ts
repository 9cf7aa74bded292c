// History is spread over D1 databases bound as shards (docs/operations.md): the var
// HISTORY_DATABASES names their bindings in order, "DB" (the index's own database) by default.
// A task's shard is chosen when it is created and kept in its definition, so adding shards
// later moves no history: new tasks spread over them all.

/** The history shards, in order. */
export function historyShards(env: Env): D1Database[] {
  const names = (env.HISTORY_DATABASES ?? "DB").split(",").map((n) => n.trim());
  const bindings = env as unknown as Record<string, unknown>;
  return names.map((name) => {
    const binding = bindings[name];
    if (!binding || typeof (binding as D1Database).prepare !== "function") {
      throw new Error(`HISTORY_DATABASES names ${JSON.stringify(name)}, which is no D1 binding`);
    }
    return binding as D1Database;
  });
}

/** The shard a new task's history goes to: a hash of its id over `count` shards. */
export function shardFor(taskId: string, count: number): number {
  // FNV-1a: stable across deploys and runtimes, and spreads random UUIDs evenly.
  let hash = 0x811c9dc5;
  for (let i = 0; i < taskId.length; i++) {
    hash ^= taskId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % Math.max(1, count);
}

/** A task's shard database; a shard index past the configured list falls back to the first. */
export function shardDatabase(env: Env, shard: number | undefined): D1Database {
  const shards = historyShards(env);
  return shards[shard ?? 0] ?? (shards[0] as D1Database);
}
