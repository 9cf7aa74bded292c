import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

/** Debian's Chromium, as `.ci/run` installs it; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The dev project's API key and the admin token, from scripts/dev.env. */
export const DEV_KEY = "bf_dev_local_key";
export const DEV_ADMIN_TOKEN = "dev-admin-token";

type Envelope<T> =
  | { status: "success"; payload: T }
  | { status: "error"; error: { code: string; message: string } };

/** Call the native API with a key; throws on an error answer. */
export async function callApi<T>(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const envelope = (await res.json()) as Envelope<T>;
  if (envelope.status !== "success") {
    throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(envelope)}`);
  }
  return envelope.payload;
}

export { pollUntil } from "../support/poll";

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * The serious and critical axe-core violations of the page as it is now. axe is evaluated
 * through the DevTools protocol, which the page's CSP does not govern, so the page is tested
 * under its real policy.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run()).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
    );
}
