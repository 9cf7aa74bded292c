import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { executionUuid } from "../../src/core/execution-uuid";
import { DEV_KEY, devClient, pollUntil, receiverBucket } from "./support/client";
import { runCommand } from "./support/process";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(REPO, "dist", "belfry.js");

const devUrl = inject("devUrl");
const receiverUrl = inject("receiverUrl");

/** Run a command for at most a minute (the cURL script polls every two seconds). */
const run = (command: string, args: string[], env: Record<string, string>) =>
  runCommand(command, args, env, 60_000);

/** The task-status document's cURL example, character for character. */
const CURL_EXAMPLE = `# This script polls a task ID until it completes or fails.
# Replace the TASK_ID with the one you received from an async call.
TASK_ID="bdc8e99d-dd8a-40e9-8840-f9f8eef16c71"
echo "Polling task with ID: $TASK_ID"
while true; do
RESPONSE=$(curl -s "http://localhost:8006/api/v1/tasks/$TASK_ID")
STATUS=$(echo $RESPONSE | jq -r '.payload.status')
PROGRESS=$(echo $RESPONSE | jq -r '.payload.progress')
echo "Polling... Status: $STATUS, Progress: $PROGRESS%"
if [[ "$STATUS" == "completed" ]] || [[ "$STATUS" == "error" ]]; then
echo "Final Response:"
echo $RESPONSE | jq
break
fi
sleep 2
done
`;

describe("the task-status document's cURL example", () => {
  it("runs as written, with the task id, host and API key filled in, and ends on completed", async () => {
    const hook = receiverBucket(receiverUrl);
    const task = await devClient(devUrl).createTask({
      url: hook.url,
      schedule: { every: 500, occurrences: 2 },
    });
    // What a user changes when moving: the id, the host, and an Authorization header.
    const script = CURL_EXAMPLE.replace("bdc8e99d-dd8a-40e9-8840-f9f8eef16c71", task.id)
      .replace("http://localhost:8006", devUrl)
      .replace('curl -s "', 'curl -s -H "Authorization: Bearer $BELFRY_API_KEY" "');
    expect(
      script.split("\n").filter((line, i) => line !== CURL_EXAMPLE.split("\n")[i]),
    ).toHaveLength(2);
    const out = await run("bash", ["-c", script], { BELFRY_API_KEY: DEV_KEY });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const lines = out.stdout.split("\n");
    expect(lines[0]).toBe(`Polling task with ID: ${task.id}`);
    const polls = lines.filter((l) => l.startsWith("Polling... "));
    expect(polls.at(-1)).toBe("Polling... Status: completed, Progress: 100%");
    for (const poll of polls) {
      expect(poll).toMatch(/^Polling\.\.\. Status: (running|completed), Progress: \d{1,3}%$/);
    }
    const final = out.stdout.slice(out.stdout.indexOf("Final Response:\n") + 16);
    expect(JSON.parse(final)).toMatchObject({
      status: "success",
      payload: { id: task.id, status: "completed", progress: 100 },
    });
  });
});

/** Run `belfry …` against the dev server with its key. */
const belfry = (args: string[]) =>
  run(process.execPath, [BIN, ...args], { BELFRY_URL: devUrl, BELFRY_API_KEY: DEV_KEY });

async function belfryJson<T>(args: string[]): Promise<T> {
  const out = await belfry([...args, "--json"]);
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  return JSON.parse(out.stdout) as T;
}

interface RequestView {
  requestId: string;
  name: string | null;
  interval: number;
  occurrences: number | null;
  status: string;
  cancelLink: string;
}

describe("the Loopitis document's CLI asks, through `belfry requests`", () => {
  it("add a request with all parameters, show the requests with a status, show its executions", async () => {
    const hook = receiverBucket(receiverUrl);
    const added = await belfryJson<RequestView>([
      "requests",
      "add",
      "--interval",
      "300",
      "--occurrences",
      "2",
      "--name",
      "example_task",
      "--return-url",
      hook.url,
      "--payload",
      '{"key": "value"}',
      "--callback-type",
      "POST",
    ]);
    expect(added).toMatchObject({ name: "example_task", interval: 300, occurrences: 2 });

    const completed = await pollUntil(
      () => belfryJson<RequestView[]>(["requests", "list", "--status", "completed"]),
      (list) => list.some((r) => r.requestId === added.requestId),
      20_000,
    );
    expect(completed.find((r) => r.requestId === added.requestId)?.status).toBe("completed");
    const table = await belfry(["requests", "list", "--status", "completed"]);
    expect(table.stdout).toContain(added.requestId);

    const calls = await hook.calls();
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[0]?.body ?? "")).toMatchObject({
      parentRequestId: added.requestId,
      parentRequestName: "example_task",
      payload: '{"key": "value"}',
      executionNumer: 1,
      cancelLink: added.cancelLink,
    });
    const executions = await pollUntil(
      () =>
        belfryJson<{ executionId: string; executionNumber: number }[]>([
          "requests",
          "executions",
          added.requestId,
        ]),
      (list) => list.length >= 2,
      20_000,
    );
    expect(executions.map((e) => e.executionNumber)).toEqual([2, 1]);
    expect(executions.map((e) => e.executionId).reverse()).toEqual(
      calls.map((c) => JSON.parse(c.body).executionId),
    );
    expect(executions[1]?.executionId).toBe(executionUuid(calls[0]?.headers["webhook-id"] ?? ""));
  });

  it("a mistake is one line naming the document's field, and exit code 1", async () => {
    const out = await belfry(["requests", "add", "--interval", "1", "--return-url", "x"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^belfry: (interval|return_url): .*\(invalid_request, HTTP 400\)\n$/,
    );
  });
});
