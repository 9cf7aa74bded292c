import type { FC } from "hono/jsx";
import type { AttemptRecord } from "../../core/history";

const WIDTH = 600;
const HEIGHT = 160;
/** Bars are never wider than a twentieth of the chart, so a few attempts do not fill it. */
const MIN_SLOTS = 20;

/** The median and maximum lateness of some attempts, in ms. */
function summary(attempts: AttemptRecord[]) {
  const sorted = attempts.map((a) => a.lateness_ms).sort((x, y) => x - y);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
    max: sorted.at(-1) ?? 0,
    failed: attempts.filter((a) => !a.successful).length,
  };
}

/**
 * The last attempts' lateness (start minus scheduled time) as bars, oldest on the left; a
 * failed attempt's bar is red and topped with a cross, so the outcome does not rest on colour
 * alone. The figures in words are the chart's accessible description.
 */
export const LatenessChart: FC<{ attempts: AttemptRecord[] }> = ({ attempts }) => {
  if (attempts.length === 0) return <p>No attempts yet.</p>;
  const oldestFirst = [...attempts].reverse();
  const { median, max, failed } = summary(attempts);
  const scale = (HEIGHT - 12) / Math.max(max, 1);
  const slot = WIDTH / Math.max(attempts.length, MIN_SLOTS);
  const description = `${attempts.length} attempts, ${failed} failed; lateness median ${median} ms, highest ${max} ms.`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        preserveAspectRatio="none"
      >
        <title id="chart-title">Lateness and outcome of the last attempts</title>
        <desc id="chart-desc">{description}</desc>
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} stroke="#57606a" />
        {oldestFirst.map((a, i) => {
          const h = Math.max(2, a.lateness_ms * scale);
          const x = i * slot + 0.5;
          const fill = a.successful ? "#1a7f37" : "#cf222e";
          return (
            <g class={a.successful ? "ok" : "failed"}>
              <rect x={x} y={HEIGHT - h} width={slot - 1} height={h} fill={fill}>
                <title>{`#${a.number}.${a.attempt}: ${a.lateness_ms} ms late, ${a.successful ? "succeeded" : "failed"}`}</title>
              </rect>
              {!a.successful && (
                <path
                  d={`M${x} ${HEIGHT - h - 8}l${slot - 1} 6m0 -6l${-(slot - 1)} 6`}
                  stroke="#cf222e"
                  stroke-width="1.5"
                />
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {description} Oldest on the left; failed attempts in red with a cross.
      </figcaption>
    </figure>
  );
};
