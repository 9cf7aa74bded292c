import type { BelfryClient, ProjectStats, StatsWindow } from "../client";
import { type CommandOutput, fields } from "../output";

const ms = (value: number | null) => (value === null ? "—" : `≤ ${value} ms`);

/** `belfry stats`: the project's tasks by state, and its executions over a window. */
export async function stats(
  client: BelfryClient,
  window: StatsWindow | undefined,
): Promise<CommandOutput<ProjectStats>> {
  const s = await client.stats(window);
  const e = s.executions;
  return {
    data: s,
    text: fields([
      [
        "tasks",
        Object.entries(s.tasks)
          .map(([state, n]) => `${n} ${state}`)
          .join(", "),
      ],
      [`executions (${s.window})`, `${e.total} (${e.succeeded} succeeded, ${e.failed} failed)`],
      ["lateness p50", ms(s.lateness_ms.p50)],
      ["lateness p99", ms(s.lateness_ms.p99)],
    ]),
  };
}
