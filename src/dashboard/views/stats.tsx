import type { FC } from "hono/jsx";
import type { ProjectStats } from "../../wire/answers";

const ms = (value: number | null) => (value === null ? "—" : `${value} ms`);

/** The header's project figures: tasks by state, and the last 24 hours' executions. */
export const StatsBar: FC<{ stats: ProjectStats }> = ({ stats }) => {
  const items: [string, string][] = [
    ["Active", String(stats.tasks.active)],
    ["Paused", String(stats.tasks.paused)],
    ["Failed tasks", String(stats.tasks.failed)],
    [`Executions (${stats.window})`, String(stats.executions.total)],
    [`Failed (${stats.window})`, String(stats.executions.failed)],
    ["Lateness p50", ms(stats.lateness_ms.p50)],
    ["p99", ms(stats.lateness_ms.p99)],
  ];
  return (
    <section aria-label="Project figures">
      <dl class="stats">
        {items.map(([term, value]) => (
          <div>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
};
