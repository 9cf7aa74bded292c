import { signPayload } from "../core/signing";
import { VERSION } from "../version";

/** How long one callback or event delivery may take. */
const NOTIFY_TIMEOUT_MS = 10_000;
/** Attempts per callback or event, with 1 s, 2 s between them. */
const NOTIFY_ATTEMPTS = 3;

/**
 * Sends a task's callbacks and events, signed, one after another in the order they were
 * queued — so a receiver sees an occurrence's events in order — without holding up the task's
 * own calls. Delivery is best effort: a few attempts, not kept across a restart.
 */
export class Notifier {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly waitUntil: (promise: Promise<unknown>) => void) {}

  /** Queue one signed POST of `payload` to `url`. */
  post(url: string, payload: unknown, secrets: readonly string[]): void {
    const body = JSON.stringify(payload);
    const id = `msg_${crypto.randomUUID()}`;
    this.chain = this.chain.then(() => deliver(url, id, body, secrets));
    this.waitUntil(this.chain);
  }
}

async function deliver(url: string, id: string, body: string, secrets: readonly string[]) {
  for (let attempt = 1; attempt <= NOTIFY_ATTEMPTS; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = new Headers({
      "content-type": "application/json",
      "user-agent": `Belfry/${VERSION}`,
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
    });
    if (secrets.length > 0) {
      headers.set("webhook-signature", await signPayload(secrets, id, timestamp, body));
    }
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
        redirect: "manual",
      });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // A network failure is retried like a non-2xx answer.
    }
    if (attempt < NOTIFY_ATTEMPTS) await new Promise((r) => setTimeout(r, 1000 * attempt));
  }
  console.warn(JSON.stringify({ event: "notification_failed", webhook_id: id }));
}
