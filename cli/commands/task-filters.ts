import { TASK_STATES, type TaskState } from "../../src/core/task-view";
import { CliError } from "../output";

/** The flags that pick tasks, as `belfry tasks list` and `belfry tasks bulk` take them. */
export interface TaskFilterFlags {
  /** Comma-separated states. */
  state?: string;
  /** Name prefix. */
  name?: string;
  /** `key=value`, repeatable: labels the tasks must all carry. */
  label?: string[];
}

/** The states of `--state active,paused`; an unknown one is refused by name. */
export function parseStates(text: string): TaskState[] {
  const states = text.split(",").map((s) => s.trim());
  const unknown = states.find((s) => !(TASK_STATES as readonly string[]).includes(s));
  if (unknown !== undefined) {
    throw new CliError(
      `--state: unknown state ${JSON.stringify(unknown)} (one of ${TASK_STATES.join(", ")})`,
    );
  }
  return states as TaskState[];
}
