// The D1 bindings declared in wrangler.toml, in order, so that migrations reach every database
// the Worker uses (local under `npm run dev`, remote under `npm run deploy`).
import { readFileSync } from "node:fs";

/** The `binding` names of every `[[d1_databases]]` table in wrangler.toml. */
export function d1Bindings(configPath = "wrangler.toml") {
  const bindings = [];
  let inD1Table = false;
  for (const raw of readFileSync(configPath, "utf8").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) inD1Table = line === "[[d1_databases]]";
    const match = inD1Table && /^binding\s*=\s*"([^"]+)"/.exec(line);
    if (match?.[1]) bindings.push(match[1]);
  }
  if (bindings.length === 0) throw new Error(`${configPath} declares no [[d1_databases]]`);
  return bindings;
}
