import {
  type AlertDestination,
  type AlertDestinationRequest,
  type BelfryClient,
  BelfryClientError,
  type RemovedAlerts,
} from "../client";
import { type CommandOutput, fields } from "../output";

function render(destination: AlertDestination): string {
  return fields([
    ["url", destination.url],
    ["events", destination.events.join(", ")],
  ]);
}

/** `belfry alerts set --url URL [--events a,b]`: set the project's alert destination. */
export async function alertsSet(
  client: BelfryClient,
  flags: { url: string; events?: string },
): Promise<CommandOutput<AlertDestination>> {
  const body: AlertDestinationRequest = {
    url: flags.url,
    // The server checks the names and says which one it refuses.
    ...(flags.events !== undefined && {
      events: flags.events.split(",").map((e) => e.trim()) as AlertDestinationRequest["events"],
    }),
  };
  const destination = await client.setAlerts(body);
  return { data: destination, text: render(destination) };
}

/** `belfry alerts show`: the project's alert destination, or that it has none. */
export async function alertsShow(
  client: BelfryClient,
): Promise<CommandOutput<AlertDestination | null>> {
  try {
    const destination = await client.getAlerts();
    return { data: destination, text: render(destination) };
  } catch (error) {
    if (error instanceof BelfryClientError && error.status === 404) {
      return { data: null, text: "No alert destination: set one with `belfry alerts set`." };
    }
    throw error;
  }
}

/** `belfry alerts remove`: no more alerts. */
export async function alertsRemove(client: BelfryClient): Promise<CommandOutput<RemovedAlerts>> {
  const removed = await client.removeAlerts();
  return {
    data: removed,
    text: removed.removed ? "Alert destination removed." : "There was no alert destination.",
  };
}
