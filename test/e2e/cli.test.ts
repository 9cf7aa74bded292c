// The `belfry` CLI against a real `npm run dev` server and a loopback receiver: built as
// `npm ci` builds it and run as a child process, and its `main` called in this process (fast,
// the same code); and the typed client it is built on.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AttemptView, BelfryClient, BelfryClientError, type TaskView } from "../../cli/client";
import { main } from "../../cli/program";
import { freePort } from "../../scripts/dev-server";
import { DEV_KEY, devClient, pollUntil, receiverBucket } from "./support/client";
import { type Run, runCommand } from "./support/process";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(REPO, "dist", "belfry.js");
const ADMIN_TOKEN = "dev-admin-token";

const devUrl = inject("devUrl");
const receiverUrl = inject("receiverUrl");
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "belfry-cli-"));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Run `belfry …` with BELFRY_URL and BELFRY_API_KEY pointing at the dev server. */
function belfry(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const defaults = { BELFRY_URL: devUrl, BELFRY_API_KEY: DEV_KEY };
  return runCommand(process.execPath, [BIN, ...args], { ...defaults, ...env }, 20_000);
}

/** Run the CLI's `main` in this process, as `belfry` would run with these arguments. */
async function inProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { BELFRY_URL: devUrl, BELFRY_API_KEY: DEV_KEY, ...env },
  });
  return { code, stdout, stderr };
}

/** Run `belfry … --json`, expect success, and parse what it printed. */
async function belfryJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const run = await belfry([...args, "--json"], env);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

describe("belfry tasks create", () => {
  it("creates a task from a flag per field; it fires and its executions are listed", async () => {
    const hook = receiverBucket(receiverUrl);
    const callback = receiverBucket(receiverUrl);
    const events = receiverBucket(receiverUrl);
    const bodyFile = join(scratch, "body.json");
    writeFileSync(bodyFile, JSON.stringify({ hello: "file" }));
    const key = `cli-${crypto.randomUUID()}`;

    const created = await belfryJson<TaskView>([
      "tasks",
      "create",
      "--url",
      hook.url,
      "--name",
      "cli-e2e",
      "--method",
      "put",
      "--header",
      "X-Team: ops",
      "--header",
      "X-Trace:1",
      "--query",
      "source=cli",
      "--query",
      "n=2",
      "--body",
      `@${bodyFile}`,
      "--every",
      "1s",
      "--occurrences",
      "2",
      "--misfire",
      "skip",
      "--retry-attempts",
      "2",
      "--retry-backoff",
      "500ms",
      "--retry-max-backoff",
      "5s",
      "--timeout",
      "5000",
      "--callback-url",
      callback.url,
      "--events-url",
      events.url,
      "--idempotency-key",
      key,
    ]);

    // The API, not the CLI, says what was stored.
    const stored = await devClient(devUrl).getTask(created.id);
    expect(stored).toMatchObject({
      name: "cli-e2e",
      url: hook.url,
      method: "PUT",
      headers: { "X-Team": "ops", "X-Trace": "1" },
      query: { source: "cli", n: "2" },
      body: { hello: "file" },
      schedule: { every: 1000, occurrences: 2, misfire: "skip" },
      retry: { attempts: 2, backoff: 500, max_backoff: 5000 },
      timeout: 5000,
      callback_url: callback.url,
      events_url: events.url,
      idempotency_key: key,
    });

    const calls = await hook.waitForCalls(2, 15_000);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.method).toBe("PUT");
      expect(call.headers["x-team"]).toBe("ops");
      expect(call.query).toEqual({ source: "cli", n: "2" });
      expect(JSON.parse(call.body)).toEqual({ hello: "file" });
    }

    // History reaches D1 through the queue within seconds: poll the CLI, bounded.
    const attempts = await pollUntil(
      () => belfryJson<AttemptView[]>(["tasks", "executions", created.id]),
      (a) => a.length >= 2,
      15_000,
      500,
    );
    expect(attempts.map((a) => [a.number, a.attempt, a.successful, a.status_code])).toEqual([
      [2, 1, true, 200],
      [1, 1, true, 200],
    ]);
    const table = await belfry(["tasks", "executions", created.id]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^EXECUTION\s+ATTEMPT\s+SCHEDULED\s+STARTED\s+LATE\s+DURATION\s+RESULT$/,
    );
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["2", "1"]);
    expect(lines.slice(1).every((l) => l.endsWith("200 ok"))).toBe(true);
    const failedOnly = await belfryJson<AttemptView[]>([
      "tasks",
      "executions",
      created.id,
      "--failed",
    ]);
    expect(failedOnly).toEqual([]);
    const both = await belfry(["executions", "--successful", "--failed"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe("belfry: --successful and --failed exclude each other\n");
  });

  it("takes cron schedules with a zone and bounds, instants and delays", async () => {
    const hook = receiverBucket(receiverUrl);
    const cron = await belfryJson<TaskView>([
      "tasks",
      "create",
      "--url",
      hook.url,
      "--cron",
      "0 9 * * 1-5",
      "--timezone",
      "Europe/Berlin",
      "--begins",
      "2030-01-01T00:00:00Z",
      "--expires",
      "2031-01-01T00:00:00Z",
      "--misfire",
      "run_all",
    ]);
    expect(cron.schedule).toEqual({
      cron: "0 9 * * 1-5",
      timezone: "Europe/Berlin",
      begins: "2030-01-01T00:00:00.000Z",
      expires: "2031-01-01T00:00:00.000Z",
      misfire: "run_all",
    });
    // 09:00 in Berlin on the first weekday of 2030 (Tuesday 1 January, CET = UTC+1).
    expect(cron.next_run_at).toBe("2030-01-01T08:00:00.000Z");

    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const at = await belfryJson<TaskView>([
      "tasks",
      "create",
      "--url",
      hook.url,
      "--at",
      String(inAnHour),
    ]);
    expect(at.schedule).toEqual({ at: new Date(inAnHour * 1000).toISOString() });

    const before = Date.now();
    const delayed = await belfryJson<TaskView>([
      "tasks",
      "create",
      "--url",
      hook.url,
      "--delay",
      "2h",
      "--method",
      "GET",
    ]);
    const due = Date.parse(delayed.next_run_at ?? "");
    expect(due).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1_000);
    expect(delayed.method).toBe("GET");
  });
});

describe("belfry tasks list", () => {
  it("filters by status and state, as an aligned table or as JSON", async () => {
    const name = `list-${crypto.randomUUID().slice(0, 8)}`;
    const hook = receiverBucket(receiverUrl);
    const create = (suffix: string) =>
      belfryJson<TaskView>([
        "tasks",
        "create",
        "--url",
        hook.url,
        "--delay",
        "1h",
        "--name",
        `${name}-${suffix}`,
      ]);
    const running = await create("running");
    const cancelled = await create("cancelled");
    const cancel = await belfry(["tasks", "cancel", cancelled.id]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Cancelled task ${cancelled.id}`);

    const table = await belfry(["tasks", "list", "--status", "running", "--name", name]);
    expect(table.code).toBe(0);
    const [header = "", ...rows] = table.stdout.trim().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+STATE\s+SCHEDULE\s+NEXT RUN\s+EXECUTIONS\s+FAILED$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^${running.id}\\s+${name}-running\\s+active\\s+once at `));
    // Aligned: every column starts where its header does.
    expect(rows[0]?.indexOf("active")).toBe(header.indexOf("STATE"));

    const completed = await belfryJson<TaskView[]>([
      "tasks",
      "list",
      "--status",
      "completed",
      "--name",
      name,
    ]);
    expect(completed.map((t) => t.id)).toEqual([cancelled.id]);
    const byState = await belfryJson<TaskView[]>([
      "tasks",
      "list",
      "--state",
      "active,cancelled",
      "--name",
      name,
    ]);
    expect(byState.map((t) => t.id)).toEqual([cancelled.id, running.id]);

    const empty = await belfry(["tasks", "list", "--state", "failed", "--name", name]);
    expect(empty.stdout.trim()).toBe("No tasks.");
  });

  it("stops at --limit and shows every task with --all, following cursors", async () => {
    const name = `page-${crypto.randomUUID().slice(0, 8)}`;
    const client = devClient(devUrl);
    for (let i = 0; i < 3; i++) {
      await client.createTask({
        name: `${name}-${i}`,
        url: "http://127.0.0.1:9/",
        schedule: { delay: "1h" },
      });
    }
    const two = await belfryJson<TaskView[]>(["tasks", "list", "--name", name, "--limit", "2"]);
    expect(two.map((t) => t.name)).toEqual([`${name}-2`, `${name}-1`]);
    const all = await belfryJson<TaskView[]>(["tasks", "list", "--name", name, "--all"]);
    expect(all.map((t) => t.name)).toEqual([`${name}-2`, `${name}-1`, `${name}-0`]);
    // The client the CLI lists with, one task per page: three pages joined by cursors.
    const paged: string[] = [];
    for await (const task of client.tasks({ name, limit: 1 })) paged.push(task.name ?? "");
    expect(paged).toEqual([`${name}-2`, `${name}-1`, `${name}-0`]);
  });
});

describe("belfry tasks show|pause|resume|run|cancel|delete", () => {
  it("controls a task's lifecycle", async () => {
    const hook = receiverBucket(receiverUrl);
    const task = await belfryJson<TaskView>([
      "tasks",
      "create",
      "--url",
      hook.url,
      "--delay",
      "1h",
    ]);

    const shown = await belfry(["tasks", "show", task.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id\\s+${task.id}$`, "m"));
    expect(shown.stdout).toMatch(/^state\s+active \(status running, progress 0%\)$/m);

    expect((await belfryJson<TaskView>(["tasks", "pause", task.id])).state).toBe("paused");
    expect((await belfryJson<TaskView>(["tasks", "resume", task.id])).state).toBe("active");
    const run = await belfry(["tasks", "run", task.id]);
    expect(run.code).toBe(0);
    const calls = await hook.waitForCalls(1, 10_000);
    expect(calls).toHaveLength(1);
    expect((await belfryJson<TaskView>(["tasks", "cancel", task.id])).state).toBe("cancelled");

    const resumeCancelled = await belfry(["tasks", "resume", task.id]);
    expect(resumeCancelled.code).toBe(1);
    expect(resumeCancelled.stderr).toMatch(/^belfry: .*\(conflict, HTTP 409\)\n$/);

    expect(await belfryJson(["tasks", "delete", task.id])).toEqual({ id: task.id, deleted: true });
    const gone = await belfry(["tasks", "show", task.id]);
    expect(gone).toEqual({
      code: 1,
      stdout: "",
      stderr: "belfry: task not found (not_found, HTTP 404)\n",
    });
  });
});

describe("belfry projects create", () => {
  it("creates a project with the admin token; its key works and sees no tasks", async () => {
    const created = await belfryJson<{ project: { id: string; name: string }; api_key: string }>([
      "projects",
      "create",
      "cli-team",
      "--admin-token",
      ADMIN_TOKEN,
    ]);
    expect(created.project.name).toBe("cli-team");
    expect(created.api_key).toMatch(/^bf_/);
    // --api-key wins over BELFRY_API_KEY (the dev key, whose project has tasks).
    expect(await belfryJson(["tasks", "list", "--api-key", created.api_key])).toEqual([]);

    const viaEnv = await belfry(["projects", "create", "env-team"], {
      BELFRY_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toMatch(/^api key\s+bf_/m);
  });
});

describe("failures", () => {
  it("exit non-zero with a one-line reason on stderr and nothing on stdout", async () => {
    const hook = receiverBucket(receiverUrl).url;
    const closed = `http://127.0.0.1:${await freePort()}`;
    const cases: [args: string[], reason: RegExp, env?: Record<string, string>][] = [
      [
        ["tasks", "create", "--url", hook, "--every", "1s", "--occurrences", "two"],
        /--occurrences/,
      ],
      [["tasks", "create", "--url", hook], /^belfry: no schedule: give one of --at/],
      [["tasks", "create", "--every", "1s"], /required option '--url <url>'/],
      [["tasks", "create", "--url", "ftp://x", "--every", "1s"], /^belfry: url: .*HTTP 400\)$/],
      [["tasks", "create", "--url", hook, "--cron", "every day"], /^belfry: schedule\.cron: /],
      [["tasks", "create", "--url", hook, "--every", "1s", "--header", "NoColon"], /--header/],
      [
        ["tasks", "create", "--url", hook, "--every", "1s", "--body", "{oops"],
        /--body: is not JSON/,
      ],
      [["tasks", "create", "--url", hook, "--every", "1s", "--misfire", "later"], /--misfire/],
      [["tasks", "list", "--status", "sleeping"], /--status/],
      [["tasks", "list", "--state", "asleep"], /--state: unknown state "asleep"/],
      [["tasks", "frobnicate"], /unknown command 'frobnicate'/],
      [["tasks", "show"], /missing required argument 'id'/],
      [["tasks", "list"], /^belfry: no API key/, { BELFRY_API_KEY: "" }],
      [["tasks", "list", "--api-key", "bf_wrong"], /\(unauthorized, HTTP 401\)$/],
      [["--server", closed, "tasks", "list"], /^belfry: cannot reach .*ECONNREFUSED/],
      [["projects", "create", "x"], /^belfry: no admin token/],
      [["projects", "create", "x", "--admin-token", "wrong"], /\(unauthorized, HTTP 401\)$/],
    ];
    for (const [args, reason, env] of cases) {
      const run = await inProcess(args, env);
      const what = `belfry ${args.join(" ")}`;
      expect(run.code, what).not.toBe(0);
      expect(run.stdout, what).toBe("");
      expect(run.stderr.trimEnd().split("\n"), what).toHaveLength(1);
      expect(run.stderr.trimEnd(), what).toMatch(reason);
    }
  });

  it("--help works on every command", async () => {
    const commands = [
      [],
      ["tasks"],
      ...[
        "list",
        "show",
        "executions",
        "create",
        "update",
        "pause",
        "resume",
        "cancel",
        "run",
        "delete",
        "bulk",
      ].map((c) => ["tasks", c]),
      ["schedules"],
      ["schedules", "preview"],
      ["projects"],
      ["projects", "create"],
      ["projects", "issue-key"],
      ["projects", "revoke-key"],
      ["projects", "rotate-secret"],
    ];
    for (const command of commands) {
      const run = await inProcess([...command, "--help"]);
      expect(run.code, command.join(" ")).toBe(0);
      expect(run.stdout).toContain(`Usage: belfry ${command.join(" ")}`.trimEnd());
    }
    const create = await inProcess(["tasks", "create", "--help"]);
    for (const flag of ["--retry-max-backoff", "--idempotency-key", "--events-url", "--misfire"]) {
      expect(create.stdout).toContain(flag);
    }
  });
});

describe("belfry projects issue-key|revoke-key|rotate-secret", () => {
  it("issues a key that works, revokes it so it fails, and rotates the signing secret", async () => {
    const admin = { BELFRY_ADMIN_TOKEN: ADMIN_TOKEN };
    const created = JSON.parse(
      (await inProcess(["projects", "create", "keys-team", "--json"], admin)).stdout,
    ) as { project: { id: string } };
    const project = created.project.id;

    const issued = await inProcess(["projects", "issue-key", project, "--json"], admin);
    expect(issued.code).toBe(0);
    const key = JSON.parse(issued.stdout) as { key_id: string; api_key: string };
    expect(key.api_key).toMatch(/^bf_/);
    const listed = await inProcess(["tasks", "list", "--json"], { BELFRY_API_KEY: key.api_key });
    expect(JSON.parse(listed.stdout)).toEqual([]);

    const revoked = await inProcess(["projects", "revoke-key", project, key.key_id], admin);
    expect(revoked.stdout).toBe(`Revoked key ${key.key_id}.\n`);
    const refused = await inProcess(["tasks", "list"], { BELFRY_API_KEY: key.api_key });
    expect(refused.stderr.trimEnd()).toMatch(/\(unauthorized, HTTP 401\)$/);

    const rotated = await inProcess(["projects", "rotate-secret", project, "--json"], admin);
    expect(JSON.parse(rotated.stdout)).toMatchObject({
      signing_secret: expect.stringMatching(/^whsec_/),
      previous_valid_until: expect.any(String),
    });
    const unknown = await inProcess(["projects", "issue-key", crypto.randomUUID()], admin);
    expect(unknown.stderr.trimEnd()).toMatch(/\(not_found, HTTP 404\)$/);
  });
});

describe("belfry tasks update", () => {
  it("changes the fields given, replaces the schedule, and refuses an empty change", async () => {
    const hook = receiverBucket(receiverUrl).url;
    const client = devClient(devUrl);
    const task = await client.createTask({ url: hook, name: "before", schedule: { delay: "1h" } });
    const run = await inProcess([
      "tasks",
      "update",
      task.id,
      "--name",
      "after",
      "--header",
      "X-Changed: yes",
      "--cron",
      "0 9 * * 1-5",
      "--timezone",
      "Europe/Berlin",
      "--json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const changed = JSON.parse(run.stdout) as TaskView;
    expect(changed).toMatchObject({
      id: task.id,
      name: "after",
      url: hook,
      headers: { "X-Changed": "yes" },
      schedule: { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" },
    });
    expect((await client.getTask(task.id)).name).toBe("after");

    const empty = await inProcess(["tasks", "update", task.id]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^belfry: nothing to change/);
    const bounds = await inProcess(["tasks", "update", task.id, "--timezone", "UTC"]);
    expect(bounds.stderr).toMatch(/^belfry: a schedule needs one of --at/);
    const refused = await inProcess(["tasks", "update", task.id, "--every", "1ms"]);
    expect(refused.stderr.trimEnd()).toMatch(
      /^belfry: schedule\.every: .*\(invalid_request, HTTP 400\)$/,
    );
  });
});

describe("belfry labels, schedules preview and tasks bulk", () => {
  it("sets labels, lists by them, previews a schedule and pauses by label", async () => {
    const hook = receiverBucket(receiverUrl).url;
    const team = `cli-${Date.now()}`;
    const created: TaskView[] = [];
    for (const env of ["prod", "staging"]) {
      const run = await inProcess([
        "tasks",
        "create",
        "--url",
        hook,
        "--delay",
        "1h",
        "--labels",
        `team=${team},env=${env}`,
        "--json",
      ]);
      expect(run.stderr).toBe("");
      created.push(JSON.parse(run.stdout) as TaskView);
    }
    expect(created.map((t) => t.labels)).toEqual([
      { team, env: "prod" },
      { team, env: "staging" },
    ]);

    const listed = await inProcess([
      "tasks",
      "list",
      "--label",
      `team=${team}`,
      "--label",
      "env=prod",
      "--json",
    ]);
    expect((JSON.parse(listed.stdout) as TaskView[]).map((t) => t.id)).toEqual([created[0]?.id]);

    const updated = await inProcess([
      "tasks",
      "update",
      created[1]?.id ?? "",
      "--labels",
      "",
      "--json",
    ]);
    expect((JSON.parse(updated.stdout) as TaskView).labels).toEqual({});

    const preview = await inProcess([
      "schedules",
      "preview",
      "--cron",
      "30 2 * * *",
      "--timezone",
      "Europe/Berlin",
      "--from",
      "2026-03-28T12:00:00Z",
      "--count",
      "2",
    ]);
    expect(preview.stdout).toBe("2026-03-29T01:00:00Z\n2026-03-30T00:30:00Z\n");

    const bulk = await inProcess(["tasks", "bulk", "pause", "--label", `team=${team}`]);
    expect(bulk.stderr).toBe("");
    expect(bulk.stdout).toMatch(/^matched\s+1\nchanged\s+1\nfailed\s+0\n$/);
    expect((await devClient(devUrl).getTask(created[0]?.id ?? "")).state).toBe("paused");
    const unfiltered = await inProcess(["tasks", "bulk", "delete"]);
    expect(unfiltered.code).toBe(1);
    expect(unfiltered.stderr).toMatch(/^belfry: no filter/);
  });
});

describe("belfry tasks executions", () => {
  it("shows the latest --limit attempts (50 by default), or every one with --all", async () => {
    const client = devClient(devUrl);
    const task = await client.createTask({
      url: receiverBucket(receiverUrl).url,
      schedule: { delay: "1h" },
    });
    for (let i = 0; i < 3; i++) await client.runTask(task.id);
    await pollUntil(
      async () => (await client.listExecutions(task.id)).results,
      (attempts) => attempts.length >= 3,
      15_000,
    );
    const latest = await inProcess(["tasks", "executions", task.id, "--limit", "2", "--json"]);
    expect(latest.code).toBe(0);
    expect((JSON.parse(latest.stdout) as AttemptView[]).map((a) => a.number)).toEqual([3, 2]);
    const every = await inProcess(["tasks", "executions", task.id, "--all", "--json"]);
    expect((JSON.parse(every.stdout) as AttemptView[]).map((a) => a.number)).toEqual([3, 2, 1]);
    const zero = await inProcess(["tasks", "executions", task.id, "--limit", "0"]);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toMatch(/--limit/);
  });
});

describe("belfry alerts, executions and tasks replay", () => {
  it("sets alerts, finds a failure project-wide, replays it and removes the alerts", async () => {
    const client = devClient(devUrl);
    const alerts = receiverBucket(receiverUrl);
    const target = receiverBucket(receiverUrl);
    const name = target.url.split("/").at(-1);
    await target.program([{ status: 500 }]);

    const set = await inProcess([
      "alerts",
      "set",
      "--url",
      alerts.url,
      "--events",
      "occurrence.failed",
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("occurrence.failed");
    const shown = await inProcess(["alerts", "show", "--json"]);
    expect(JSON.parse(shown.stdout)).toEqual({ url: alerts.url, events: ["occurrence.failed"] });

    const task = await client.createTask({
      name: `cli-replay-${name}`,
      url: target.url,
      schedule: { delay: 0 },
      retry: { attempts: 1 },
    });
    const failures = await pollUntil(
      async () => {
        const run = await inProcess(["executions", "--failed", "--task", task.id, "--json"]);
        return JSON.parse(run.stdout) as { execution_id: string; task_name: string | null }[];
      },
      (found) => found.length >= 1,
      45_000,
    );
    expect(failures[0]?.task_name).toBe(`cli-replay-${name}`);
    const table = await inProcess(["executions", "--failed", "--task", task.id]);
    expect(table.stdout).toContain(`cli-replay-${name}`);

    const executionId = failures[0]?.execution_id ?? "";
    const replay = await inProcess(["tasks", "replay", task.id, executionId, "--json"]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ task_id: task.id, replay_of: executionId });
    const calls = await target.waitForCalls(2, 15_000);
    expect(calls[1]?.headers["belfry-replay-of"]).toBe(executionId);
    const raised = await alerts.waitForCalls(1, 15_000);
    expect(JSON.parse(raised[0]?.body ?? "{}")).toMatchObject({
      type: "occurrence.failed",
      task: { id: task.id },
    });

    const removed = await inProcess(["alerts", "remove", "--json"]);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: true });
    const none = await inProcess(["alerts", "show"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/No alert destination/);
  });
});

describe("--json failures", () => {
  it("print the error envelope as JSON on stderr", async () => {
    const missing = await inProcess(["tasks", "show", crypto.randomUUID(), "--json"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(JSON.parse(missing.stderr)).toEqual({
      status: "error",
      error: { code: "not_found", message: "task not found", details: [] },
    });
    const invalid = await inProcess([
      "tasks",
      "create",
      "--url",
      "ftp://x",
      "--every",
      "1s",
      "--json",
    ]);
    expect(JSON.parse(invalid.stderr)).toMatchObject({
      status: "error",
      error: { code: "invalid_request", details: [{ path: "url" }] },
    });
    const local = await inProcess(["tasks", "update", "some-id", "--json"]);
    expect(JSON.parse(local.stderr)).toMatchObject({
      error: { code: "invalid_request", message: expect.stringMatching(/^nothing to change/) },
    });
  });
});

describe("the typed client", () => {
  it("answers the server's types and throws BelfryClientError with the envelope's error", async () => {
    const client = new BelfryClient({ url: `${devUrl}/`, apiKey: DEV_KEY });
    const task = await client.createTask({
      url: receiverBucket(receiverUrl).url,
      schedule: { delay: [1, "hour"] },
      retry: { attempts: 1 },
    });
    expect(task.retry.attempts).toBe(1);
    expect((await client.getTask(task.id)).id).toBe(task.id);

    const invalid = await client
      .createTask({ url: "http://127.0.0.1:9/", schedule: { every: "1s", delay: "1s" } })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(BelfryClientError);
    expect(invalid).toMatchObject({
      status: 400,
      code: "invalid_request",
      details: [{ path: "schedule" }],
    });

    const missing = await client.getTask(crypto.randomUUID()).catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, code: "not_found", message: "task not found" });

    const noAdmin = await client.createProject("x").catch((error: unknown) => error);
    expect(noAdmin).toMatchObject({ status: 0, code: "missing_credentials" });
  });

  it("is importable as belfry/client by another package, with its types", async () => {
    // A consumer that installed this repository: `belfry` in its node_modules, strict types,
    // Node's own module resolution.
    const consumer = join(scratch, "consumer");
    mkdirSync(join(consumer, "node_modules"), { recursive: true });
    symlinkSync(REPO, join(consumer, "node_modules", "belfry"), "dir");
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(
      join(consumer, "typed.ts"),
      [
        'import { BelfryClient, type TaskView } from "belfry/client";',
        'export async function create(client: BelfryClient): Promise<TaskView["state"]> {',
        '  const task = await client.createTask({ url: "https://example.com", schedule: { every: "5m" } });',
        "  return task.state;",
        "}",
        "export const refused = (client: BelfryClient) =>",
        "  // @ts-expect-error a schedule is one of at, delay, every or cron",
        '  client.createTask({ url: "https://example.com", schedule: { fortnightly: true } });',
      ].join("\n"),
    );
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    const flags = ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext"];
    await promisify(execFile)(process.execPath, [tsc, ...flags, "typed.ts"], { cwd: consumer });

    writeFileSync(
      join(consumer, "run.mjs"),
      [
        'import { BelfryClient } from "belfry/client";',
        "const [url, apiKey, target] = process.argv.slice(2);",
        "const task = await new BelfryClient({ url, apiKey }).createTask({",
        '  url: target, schedule: { delay: "1h" },',
        "});",
        "console.log(JSON.stringify(task));",
      ].join("\n"),
    );
    const target = receiverBucket(receiverUrl).url;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["run.mjs", devUrl, DEV_KEY, target],
      { cwd: consumer },
    );
    const task = JSON.parse(stdout) as TaskView;
    expect(task).toMatchObject({ url: target, state: "active" });
    expect((await devClient(devUrl).getTask(task.id)).state).toBe("active");
  });
});
