import { CliError } from "../output";

/**
 * Labels from `key=value` flags (`--labels`, `--label`), each flag one pair or a comma-separated
 * list of them. An empty flag adds none, so `--labels ""` sends `{}`, which clears a task's
 * labels. The server checks keys and values and names the one it refuses.
 */
export function parseLabels(flag: string, values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of values.flatMap((v) => v.split(","))) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    const key = at > 0 ? pair.slice(0, at).trim() : "";
    if (!key) throw new CliError(`${flag} ${JSON.stringify(pair)}: expected KEY=VALUE`);
    labels[key] = pair.slice(at + 1).trim();
  }
  return labels;
}
