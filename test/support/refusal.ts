import { BelfryError } from "../../src/core/errors";

/** What a caller would be told when `run` refuses: "status message", or "no error". */
export function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BelfryError) return `${error.status} ${error.message}`;
    throw error;
  }
  return "no error";
}
