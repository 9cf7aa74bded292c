// The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
// against `npm run dev` and a loopback receiver: what a person signing in would see and do.
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/dev-server";
import type { TaskView as Task } from "../../src/core/task-view";
import { startReceiver } from "../support/receiver";
import { receiverBucket } from "../support/receiver-bucket";
import {
  CHROMIUM,
  callApi,
  DEV_ADMIN_TOKEN,
  DEV_KEY,
  pollUntil,
  seriousViolations,
} from "./support";

let dev: DevServer;
let receiver: { url: string; server: Server };
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every URL the browser asked for, and every CSP complaint it logged. */
const requested: string[] = [];
const cspComplaints: string[] = [];

/** A fresh bucket on this file's receiver. */
const bucket = () => receiverBucket(receiver.url);

const api = <T>(method: string, path: string, body?: unknown) =>
  callApi<T>(dev.url, DEV_KEY, method, path, body);

async function expectAccessible(where: string): Promise<void> {
  expect(await seriousViolations(page), where).toEqual([]);
}

beforeAll(async () => {
  receiver = await startReceiver();
  // Attempts reach the history within half a second, so the chart need not wait long.
  dev = await startDevServer({ vars: { HISTORY_FLUSH_MS: "500" } });
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox"],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("request", (request) => requested.push(request.url()));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspComplaints.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
  receiver?.server.closeAllConnections();
  await new Promise<void>((resolve) =>
    receiver ? receiver.server.close(() => resolve()) : resolve(),
  );
});

describe("the dashboard in Chromium", () => {
  it("sends a visitor to sign in, and refuses a wrong key", async () => {
    await page.goto(`${dev.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
    await expectAccessible("sign-in page");
    await page.getByLabel("API key").fill("bf_wrong_key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
    expect(await context.cookies()).toEqual([]);
  });

  it("signs in with the dev key into a session cookie the page cannot read", async () => {
    await page.getByLabel("API key").fill(DEV_KEY);
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === "/dashboard"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    await page.waitForURL(`${dev.url}/dashboard`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Tasks");
    const csp = (await response.allHeaders())["content-security-policy"] ?? "";
    expect(csp).toMatch(/default-src 'none'; script-src 'nonce-[\w-]+'/);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    const [session] = cookies;
    expect(session).toMatchObject({
      name: "belfry_session",
      httpOnly: true,
      sameSite: "Strict",
      secure: false, // http://127.0.0.1; Secure is set over https
      path: "/dashboard",
    });
    const hours = ((session?.expires ?? 0) * 1000 - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    expect(session?.value).not.toContain(DEV_KEY);
    // Neither the page nor its storage holds the key.
    expect(await page.content()).not.toContain(DEV_KEY);
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).toBe(
      "{}",
    );
  });

  it("shows the project's tasks and not another project's", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const hook = bucket();
    const own = await api<Task>("POST", "/api/v1/tasks", {
      name: `own-${suffix}`,
      url: hook.url,
      labels: { suite: suffix },
      schedule: { every: "1h" },
    });
    await api<Task>("POST", "/api/v1/tasks", {
      name: `unlabelled-${suffix}`,
      url: hook.url,
      schedule: { every: "1h" },
    });
    const other = await callApi<{ api_key: string }>(
      dev.url,
      DEV_ADMIN_TOKEN,
      "POST",
      "/api/v1/projects",
      { name: "other" },
    );
    await callApi(dev.url, other.api_key, "POST", "/api/v1/tasks", {
      name: `theirs-${suffix}`,
      url: hook.url,
      schedule: { every: "1h" },
    });
    await page.goto(`${dev.url}/dashboard`);
    const row = page.getByRole("row", { name: new RegExp(`own-${suffix}`) });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain("Every 1 hour");
    expect(await page.getByRole("link", { name: `own-${suffix}` }).getAttribute("href")).toBe(
      `/dashboard/tasks/${own.id}`,
    );
    expect(await page.getByText(`theirs-${suffix}`).count()).toBe(0);
    expect(await page.getByText(`unlabelled-${suffix}`).count()).toBe(1);
    // The header shows the project's figures.
    const figures = page.getByRole("region", { name: "Project figures" });
    expect(await figures.textContent()).toMatch(/Active\s*\d+/);
    await expectAccessible("Tasks page");

    await page.getByLabel("Label (key:value)").fill(`suite:${suffix}`);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/label=suite/);
    expect(await page.getByRole("link", { name: `own-${suffix}` }).count()).toBe(1);
    expect(await page.getByText(`unlabelled-${suffix}`).count()).toBe(0);
  });

  it("pauses, resumes, runs and cancels a task from its page, as the API then reports", async () => {
    const hook = bucket();
    const task = await api<Task>("POST", "/api/v1/tasks", {
      name: "actions",
      url: hook.url,
      schedule: { every: "1h" },
    });
    const state = async () => (await api<Task>("GET", `/api/v1/tasks/${task.id}`)).state;
    await page.goto(`${dev.url}/dashboard/tasks/${task.id}`);
    await expectAccessible("Task page");

    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Paused.");
    expect(await state()).toBe("paused");

    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Resumed.");
    expect(await state()).toBe("active");

    await page.getByRole("button", { name: "Run now" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Running now");
    const calls = await pollUntil(hook.calls, (c) => c.length >= 1, 10_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers["belfry-task-id"]).toBe(task.id);

    await page.getByRole("button", { name: "Cancel" }).click();
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toBe("Cancel this task?");
    expect(await state()).toBe("active"); // asked, not yet done
    await expectAccessible("confirmation page");
    await page.getByRole("button", { name: "Yes, cancel the task" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Cancelled.");
    expect(await state()).toBe("cancelled");
    expect(await page.getByRole("button", { name: "Pause" }).count()).toBe(0);
  });

  it("creates a task through the form and it fires at the receiver", async () => {
    const hook = bucket();
    await page.goto(`${dev.url}/dashboard/new`);
    await expectAccessible("New task page");
    await page.getByLabel("Name").fill("made-in-the-form");
    await page.getByLabel("URL").fill(hook.url);
    await page.getByLabel("Body", { exact: true }).fill('{"from":"the dashboard"}');
    // The next runs appear as the schedule is typed, and a mistake is named at once.
    const previewed = page.getByRole("list", { name: "Next runs of this schedule" });
    await page.getByLabel("Runs", { exact: true }).selectOption("cron");
    await page.getByLabel("Schedule", { exact: true }).fill("0 9 * * 1-5");
    await expect.poll(() => previewed.getByRole("listitem").count()).toBe(5);
    expect(await previewed.textContent()).toMatch(/09:00:00 UTC/);
    await page.getByLabel("Schedule", { exact: true }).fill("0 9 * * 1-5 nonsense");
    await expect
      .poll(() => page.locator("#preview-status").textContent())
      .toMatch(/schedule\.cron/);
    expect(await previewed.getByRole("listitem").count()).toBe(0);
    await page.getByLabel("Runs", { exact: true }).selectOption("delay");
    await page.getByLabel("Schedule", { exact: true }).fill("1s");
    await expect.poll(() => previewed.getByRole("listitem").count()).toBe(1);
    await page.getByRole("button", { name: "Create task" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Task created.");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("made-in-the-form");
    const calls = await pollUntil(hook.calls, (c) => c.length >= 1, 15_000);
    expect(calls.map((c) => JSON.parse(c.body))).toEqual([{ from: "the dashboard" }]);
  });

  it("refuses a change that does not carry the page's CSRF token", async () => {
    const task = await api<Task>("POST", "/api/v1/tasks", {
      url: bucket().url,
      schedule: { every: "1h" },
    });
    // The browser's own session cookie, the right origin, but no token from the page.
    const res = await page.request.post(`${dev.url}/dashboard/tasks/${task.id}/pause`, {
      form: { csrf: "not-the-token" },
      headers: { origin: dev.url },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(403);
    expect((await api<Task>("GET", `/api/v1/tasks/${task.id}`)).state).toBe("active");
  });

  it("charts the last attempts' lateness and outcome, replays a failure, and fits a phone", async () => {
    const answers = [200, 200, 500, 200, 200, 503, 200, 200].map((status) => ({ status }));
    const hook = bucket();
    await hook.program(answers);
    const task = await api<Task>("POST", "/api/v1/tasks", {
      name: "nightly-report",
      url: hook.url,
      schedule: { every: "1s", occurrences: answers.length },
      retry: { attempts: 1 },
    });
    const recorded = await pollUntil(
      () => api<{ results: unknown[] }>("GET", `/api/v1/tasks/${task.id}/executions?limit=100`),
      (p) => p.results.length >= answers.length,
      30_000,
    );
    expect(recorded.results).toHaveLength(answers.length);
    await page.goto(`${dev.url}/dashboard/tasks/${task.id}`);
    const chart = page.getByRole("img", { name: /Lateness and outcome/ });
    expect(await chart.locator("rect").count()).toBe(answers.length);
    expect(await chart.locator("g.failed").count()).toBe(2);
    expect(await page.getByRole("row", { name: /Failed HTTP 503/ }).count()).toBe(1);
    await expectAccessible("Task page with a chart");

    const shot = process.env.UPDATE_SCREENSHOT
      ? fileURLToPath(new URL("../../docs/images/dashboard.png", import.meta.url))
      : join(mkdtempSync(join(tmpdir(), "belfry-shot-")), "dashboard.png");
    mkdirSync(join(shot, ".."), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });

    await page.goto(`${dev.url}/dashboard/failures`);
    const failures = page.getByRole("row", { name: /nightly-report/ });
    expect(await failures.count()).toBe(2);
    const failed503 = failures.filter({ hasText: "HTTP 503" });
    expect(await failed503.count()).toBe(1);
    await expectAccessible("Failures page");

    // Replay the 503: the receiver gets the same request again, marked as a replay.
    const executions = await api<{ results: { execution_id: string; status_code: number }[] }>(
      "GET",
      `/api/v1/tasks/${task.id}/executions?successful=false`,
    );
    const replayOf = executions.results.find((e) => e.status_code === 503)?.execution_id;
    await failed503.getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Replayed");
    const calls = await pollUntil(hook.calls, (c) => c.length > answers.length, 10_000);
    expect(calls).toHaveLength(answers.length + 1);
    expect(calls.at(-1)?.headers["belfry-replay-of"]).toBe(replayOf);
    expect(replayOf).toBeDefined();

    await page.goto(`${dev.url}/dashboard/tasks/${task.id}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("sets the project's alert destination", async () => {
    const hook = bucket();
    await page.goto(`${dev.url}/dashboard/alerts`);
    await expectAccessible("Alerts page");
    await page.getByLabel("Destination URL").fill(hook.url);
    await page.getByLabel(/A task succeeded again/).uncheck();
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toBe("Alert destination saved.");
    expect(await api("GET", "/api/v1/alerts")).toEqual({
      url: hook.url,
      events: ["occurrence.failed", "task.paused", "task.failed"],
    });
  });

  it("signs out, and the session is gone", async () => {
    await page.goto(`${dev.url}/dashboard`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${dev.url}/dashboard/sign-in`);
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${dev.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
  });

  it("asked nothing of any other origin, and broke no CSP rule", () => {
    const origin = new URL(dev.url).origin;
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(cspComplaints).toEqual([]);
  });
});
