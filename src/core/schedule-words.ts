import type { ScheduleSpec } from "./schedule";

/**
 * Schedules in words, for people reading a list of tasks: "Every 5 minutes, 10 times",
 * "At 09:00, Monday to Friday (Europe/Berlin)". Cron patterns past the common shapes are shown
 * as written, which is still exact.
 */

const UNITS: [ms: number, word: string][] = [
  [86_400_000, "day"],
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
  [1, "millisecond"],
];

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A duration in the largest unit that states it exactly: "5 minutes", "90 seconds". */
export function durationInWords(ms: number): string {
  for (const [size, word] of UNITS) {
    if (ms >= size && ms % size === 0) return plural(ms / size, word);
  }
  return plural(ms, "millisecond");
}

/** An instant as people read it in logs: "2026-12-02 09:00:00 UTC". */
export function instantInWords(ms: number): string {
  return `${new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.000Z$|Z$/, "")} UTC`;
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const NICKNAMES: Record<string, string> = {
  "@yearly": "Once a year, on 1 January at 00:00",
  "@annually": "Once a year, on 1 January at 00:00",
  "@monthly": "On the 1st of every month at 00:00",
  "@weekly": "Every Sunday at 00:00",
  "@daily": "Every day at 00:00",
  "@midnight": "Every day at 00:00",
  "@hourly": "Every hour, on the hour",
};

const NUMBER = /^\d{1,2}$/;

function dayName(field: string): string | null {
  if (!NUMBER.test(field)) return null;
  return DAYS[Number(field) % 7] ?? null;
}

/** Days of the week as words ("Monday to Friday", "Monday, Wednesday"), or null. */
function daysInWords(field: string): string | null {
  if (field === "*") return "every day";
  const range = /^(\d)-(\d)$/.exec(field);
  if (range?.[1] && range[2]) {
    const [from, to] = [dayName(range[1]), dayName(range[2])];
    return from && to ? `${from} to ${to}` : null;
  }
  const names = field.split(",").map(dayName);
  return names.every((n) => n !== null) ? names.join(", ") : null;
}

const pad = (field: string) => field.padStart(2, "0");

/** A cron pattern in words when it has a common shape, or null. */
export function cronInWords(pattern: string): string | null {
  const trimmed = pattern.trim();
  const nickname = NICKNAMES[trimmed.toLowerCase()];
  if (nickname) return nickname;
  const fields = trimmed.split(/\s+/);
  if (fields.length === 6) {
    const [second, ...rest] = fields;
    const step = /^\*\/(\d+)$/.exec(second ?? "");
    if (rest.every((f) => f === "*")) {
      if (second === "*") return "Every second";
      if (step?.[1]) return `Every ${plural(Number(step[1]), "second")}`;
    }
    return null;
  }
  if (fields.length !== 5) return null;
  const [minute = "", hour = "", dom = "", month = "", dow = ""] = fields;
  if (month !== "*") return null;
  if (hour === "*" && dom === "*" && dow === "*") {
    if (minute === "*") return "Every minute";
    const step = /^\*\/(\d+)$/.exec(minute);
    if (step?.[1]) return `Every ${plural(Number(step[1]), "minute")}`;
    if (NUMBER.test(minute)) return `Every hour at minute ${Number(minute)}`;
    return null;
  }
  if (!NUMBER.test(minute) || !NUMBER.test(hour)) return null;
  const time = `At ${pad(hour)}:${pad(minute)}`;
  if (dom === "*") {
    const days = daysInWords(dow);
    return days ? `${time}, ${days}` : null;
  }
  if (NUMBER.test(dom) && dow === "*") return `${time} on day ${Number(dom)} of every month`;
  return null;
}

/** A task's schedule in words. */
export function scheduleInWords(spec: ScheduleSpec): string {
  if (spec.kind === "once") return `Once, at ${instantInWords(spec.at)}`;
  const parts: string[] = [];
  if (spec.kind === "every") {
    parts.push(`Every ${durationInWords(spec.every)}`);
  } else {
    const words = cronInWords(spec.cron);
    const zone = spec.timezone === "UTC" ? "" : ` (${spec.timezone})`;
    parts.push(`${words ?? `Cron ${spec.cron}`}${zone}`);
  }
  if (spec.occurrences !== undefined) parts.push(plural(spec.occurrences, "time"));
  if (spec.begins !== undefined) parts.push(`from ${instantInWords(spec.begins)}`);
  if (spec.expires !== undefined) parts.push(`until ${instantInWords(spec.expires)}`);
  return parts.join(", ");
}
