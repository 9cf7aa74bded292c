import type { BelfryClient, SchedulePreview } from "../client";
import { CliError, type CommandOutput, instant } from "../output";
import { numberOrText, type ScheduleFlags, scheduleFrom } from "./schedule-flags";

/** The flags of `belfry schedules preview`: a schedule's, how many runs, and from when. */
export interface PreviewFlags extends ScheduleFlags {
  count?: number;
  from?: string;
}

/** `belfry schedules preview --cron … --count N`: the runs a schedule would make. */
export async function schedulesPreview(
  client: BelfryClient,
  flags: PreviewFlags,
): Promise<CommandOutput<SchedulePreview>> {
  const schedule = scheduleFrom(flags);
  if (!schedule) throw new CliError("no schedule: give one of --at, --delay, --every or --cron");
  const preview = await client.previewSchedule({
    schedule,
    ...(flags.count !== undefined && { count: flags.count }),
    ...(flags.from !== undefined && { from: numberOrText(flags.from) }),
  });
  const text =
    preview.runs.length === 0 ? "No runs." : preview.runs.map((run) => instant(run)).join("\n");
  return { data: preview, text };
}
