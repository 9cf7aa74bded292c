import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface Sample {
  cpuSeconds: number;
  rssBytes: number;
}

/** CPU seconds used so far and resident memory now, summed over a process group (Linux /proc). */
export function sampleGroup(pgid: number): Sample {
  let cpuTicks = 0;
  let rssPages = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      cpuTicks += Number(fields[11]) + Number(fields[12]);
      rssPages += Number(fields[21]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { cpuSeconds: cpuTicks / TICKS_PER_SECOND, rssBytes: rssPages * PAGE_BYTES };
}

/** Samples a process group every `everyMs` to find its peak RSS and CPU use over a window. */
export class GroupMonitor {
  private readonly pgid: number;
  private peakRss = 0;
  private readonly startCpu: number;
  private readonly timer: NodeJS.Timeout;

  // No parameter properties: the bench runs on Node's type stripping, which does not allow them.
  constructor(pgid: number, everyMs = 250) {
    this.pgid = pgid;
    const first = sampleGroup(pgid);
    this.startCpu = first.cpuSeconds;
    this.peakRss = first.rssBytes;
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, sampleGroup(pgid).rssBytes);
    }, everyMs);
  }

  /** Stop sampling: CPU seconds used since the start, and the peak RSS seen in MiB. */
  finish(): { cpuSeconds: number; peakRssMiB: number } {
    clearInterval(this.timer);
    const last = sampleGroup(this.pgid);
    this.peakRss = Math.max(this.peakRss, last.rssBytes);
    return {
      cpuSeconds: Math.round((last.cpuSeconds - this.startCpu) * 100) / 100,
      peakRssMiB: Math.round(this.peakRss / 1048576),
    };
  }
}
