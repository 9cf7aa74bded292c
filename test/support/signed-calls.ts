import { Webhook } from "standardwebhooks";
import type { ReceivedCall } from "./receiver-types";

/** One header of a received call ("" when absent, or when no call arrived). */
export const header = (call: ReceivedCall | undefined, name: string) => call?.headers[name] ?? "";

/** Verify a received call as a receiver would, with the standardwebhooks package: its payload. */
export function verifyCall(secret: string, call: ReceivedCall | undefined): unknown {
  return new Webhook(secret).verify(call?.body ?? "", {
    "webhook-id": header(call, "webhook-id"),
    "webhook-timestamp": header(call, "webhook-timestamp"),
    "webhook-signature": header(call, "webhook-signature"),
  });
}
