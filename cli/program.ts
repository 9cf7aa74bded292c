import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { BULK_ACTIONS, type BulkAction } from "../src/core/bulk-action";
import { MISFIRE_POLICIES } from "../src/core/task-input";
import { TASK_STATUSES } from "../src/core/task-view";
import { VERSION } from "../src/version";
import { STATS_WINDOW_NAMES, type StatsWindow } from "../src/wire/answers";
import type { LifecycleAction } from "./client";
import { BelfryClientError } from "./client";
import { alertsRemove, alertsSet, alertsShow } from "./commands/alerts";
import { type ExecutionsOptions, executions } from "./commands/executions";
import type { LimitFlags } from "./commands/limit-flags";
import { projectsCreate } from "./commands/projects-create";
import {
  projectsIssueKey,
  projectsRevokeKey,
  projectsRotateSecret,
} from "./commands/projects-keys";
import { registerRequestCommands } from "./commands/requests-commands";
import { schedulesPreview } from "./commands/schedules-preview";
import { stats } from "./commands/stats";
import { type BulkFlags, tasksBulk } from "./commands/tasks-bulk";
import { tasksCreate } from "./commands/tasks-create";
import { tasksDelete } from "./commands/tasks-delete";
import { tasksExecutions } from "./commands/tasks-executions";
import { tasksLifecycle } from "./commands/tasks-lifecycle";
import { tasksList } from "./commands/tasks-list";
import { tasksReplay } from "./commands/tasks-replay";
import { tasksShow } from "./commands/tasks-show";
import { tasksUpdate } from "./commands/tasks-update";
import { adminClient, DEFAULT_SERVER, type GlobalOptions, taskClient } from "./connection";
import { CliError, type CommandOutput } from "./output";

/** Where a run of the CLI reads and writes; tests pass their own. */
export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("must be an integer.");
  return Number(value);
}

function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("must be at least 1.");
  return n;
}

/** A count, or `off` for none (null): for settings a patch can clear. */
function countOrOff(value: string): number | null {
  return value === "off" ? null : positive(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface ExecutionsFlags extends LimitFlags {
  successful?: true;
  failed?: true;
}

/** The flags of the attempt listings: which outcome, and how many. */
function addExecutionsFlags(command: Command): Command {
  return command
    .option("--successful", "only successful attempts")
    .option("--failed", "only failed attempts")
    .option("--limit <n>", "show at most this many (default 50)", positive)
    .option("--all", "show every attempt");
}

/**
 * The flags as the listing commands take them: --successful or --failed as one `successful`
 * (true, false, or absent for both), the rest as given.
 */
function withOutcome<F extends ExecutionsFlags>({ successful, failed, ...rest }: F) {
  if (successful && failed) throw new CliError("--successful and --failed exclude each other");
  const outcome = successful ? true : failed ? false : undefined;
  return { ...rest, ...(outcome !== undefined && { successful: outcome }) };
}

/** The flags of a schedule, shared by `tasks create`, `tasks update` and `schedules preview`. */
function addScheduleFlags(command: Command): Command {
  return command
    .option("--at <time>", "once, at this instant (RFC 3339 or unix seconds)")
    .option("--delay <duration>", "once, this long from now (30s, 5m, 2h, 1d, or ms)")
    .option("--every <duration>", "repeatedly, on this interval")
    .option("--cron <pattern>", "repeatedly, on this cron pattern")
    .option("--timezone <zone>", "IANA zone for --cron (default UTC)")
    .option("--begins <time>", "no call before this instant")
    .option("--expires <time>", "no call after this instant")
    .option("--occurrences <n>", "stop after this many calls", integer)
    .addOption(
      new Option("--misfire <policy>", "what to do with missed calls").choices(MISFIRE_POLICIES),
    );
}

/** The flags for a task's fields, shared by `tasks create` and `tasks update`. */
function addTaskFields(command: Command): Command {
  command
    .option("--name <name>", "a name for people")
    .option(
      "--labels <key=value,…>",
      'labels, comma-separated (repeatable); on update they replace all, "" clears them',
      collect,
    )
    .option("--method <method>", "GET, HEAD, POST, PUT, PATCH or DELETE (default POST)")
    .option("--header <name:value>", "a header to send (repeatable)", collect)
    .option("--query <key=value>", "a query parameter to add (repeatable)", collect)
    .option("--body <json|@file>", "the body: JSON, or @file holding JSON");
  return addScheduleFlags(command)
    .option("--retry-attempts <n>", "attempts per call, the first included (default 3)", integer)
    .option("--retry-backoff <duration>", "delay before the first retry (default 1s)")
    .option("--retry-max-backoff <duration>", "longest delay between attempts (default 10m)")
    .option("--timeout <duration>", "per attempt (default 30s)")
    .option("--callback-url <url>", "receives each call's final result")
    .option("--events-url <url>", "receives the task's lifecycle events")
    .option(
      "--pause-after-failures <n|off>",
      "pause the task after this many failed calls in a row (off: never)",
      countOrOff,
    );
}

const EPILOG = `
Connection (flags win over the environment):
  --server <url>     or BELFRY_URL          (default ${DEFAULT_SERVER}, where \`npm run dev\` listens)
  --api-key <key>    or BELFRY_API_KEY      (task commands)
  --admin-token <t>  or BELFRY_ADMIN_TOKEN  (projects commands)

Examples:
  belfry tasks create --url https://example.com/hook --every 5m --name heartbeat
  belfry tasks list --status running --label team=billing
  belfry schedules preview --cron "*/15 9-17 * * 1-5" --timezone Europe/Berlin --count 5
  belfry tasks executions <id> --json
  belfry tasks cancel <id>
  belfry tasks bulk pause --label team=billing --state active`;

/** The `belfry` command tree; `print` writes a command's output, as a table or as JSON. */
export function buildProgram(io: Io): Command {
  const program = new Command("belfry");
  program
    .description("Schedule HTTP requests with Belfry from the command line.")
    .version(VERSION)
    .option("--server <url>", "Belfry's base URL (env BELFRY_URL)")
    .option("--api-key <key>", "a project's API key (env BELFRY_API_KEY)")
    .option("--json", "print JSON for scripts instead of tables")
    .addHelpText("after", EPILOG)
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const print = (command: Command, output: CommandOutput) => {
    const { json } = command.optsWithGlobals<GlobalOptions>();
    io.stdout.write(`${json ? JSON.stringify(output.data, null, 2) : output.text}\n`);
  };
  const client = (command: Command) => taskClient(command.optsWithGlobals(), io.env);

  const tasks = program.command("tasks").description("create, list, inspect and control tasks");

  tasks
    .command("list")
    .description("list the project's tasks, newest first")
    .addOption(
      new Option("--status <status>", "only tasks with this polling status").choices(TASK_STATUSES),
    )
    .option("--state <states>", "only tasks in these states (comma list: active,paused,…)")
    .option("--name <prefix>", "only tasks whose name starts with this")
    .option(
      "--label <key=value>",
      "only tasks with this label (repeatable, all must match)",
      collect,
    )
    .option("--limit <n>", "show at most this many (default 50)", integer)
    .option("--all", "show every task")
    .action(async (options, command: Command) => {
      print(command, await tasksList(client(command), options));
    });

  tasks
    .command("show")
    .description("show one task, read live")
    .argument("<id>", "task id")
    .action(async (id: string, _options, command: Command) => {
      print(command, await tasksShow(client(command), id));
    });

  addExecutionsFlags(
    tasks
      .command("executions")
      .description("list a task's attempts, newest first")
      .argument("<id>", "task id"),
  ).action(async (id: string, options: ExecutionsFlags, command: Command) => {
    print(command, await tasksExecutions(client(command), id, withOutcome(options)));
  });

  addTaskFields(
    tasks
      .command("create")
      .description("create a task: --url and one of --at, --delay, --every, --cron")
      .requiredOption("--url <url>", "the URL to call"),
  )
    .option("--idempotency-key <key>", "a second create with this key answers the first task")
    .action(async (options, command: Command) => {
      print(command, await tasksCreate(client(command), options));
    });

  addTaskFields(
    tasks
      .command("update")
      .description("change a task: the fields given replace theirs; a schedule replaces the old")
      .argument("<id>", "task id")
      .option("--url <url>", "the URL to call"),
  ).action(async (id: string, options, command: Command) => {
    print(command, await tasksUpdate(client(command), id, options));
  });

  const lifecycle: [LifecycleAction, string][] = [
    ["pause", "pause a task: no calls until it is resumed"],
    ["resume", "resume a paused task"],
    ["cancel", "cancel a task: no more calls; it stays readable"],
    ["run", "make one extra call now, outside the schedule"],
  ];
  for (const [action, description] of lifecycle) {
    tasks
      .command(action)
      .description(description)
      .argument("<id>", "task id")
      .action(async (id: string, _options, command: Command) => {
        print(command, await tasksLifecycle(client(command), action, id));
      });
  }

  tasks
    .command("replay")
    .description("send an execution's request again, now, as a new execution")
    .argument("<id>", "task id")
    .argument("<execution-id>", "the execution to send again (see `tasks executions --json`)")
    .action(async (id: string, executionId: string, _options, command: Command) => {
      print(command, await tasksReplay(client(command), id, executionId));
    });

  tasks
    .command("bulk")
    .description("pause, resume, cancel or delete every task the filters match")
    .addArgument(new Argument("<action>", "what to do to each task").choices(BULK_ACTIONS))
    .option("--id <id>", "this task (repeatable)", collect)
    .option("--label <key=value>", "tasks with this label (repeatable, all must match)", collect)
    .option("--name <prefix>", "tasks whose name starts with this")
    .option("--state <states>", "tasks in these states (comma list: active,paused,…)")
    .action(async (action: BulkAction, options: BulkFlags, command: Command) => {
      print(command, await tasksBulk(client(command), action, options));
    });

  tasks
    .command("delete")
    .description("cancel and remove a task (its history stays until retention)")
    .argument("<id>", "task id")
    .action(async (id: string, _options, command: Command) => {
      print(command, await tasksDelete(client(command), id));
    });

  registerRequestCommands(program, print, io.env);

  const schedules = program.command("schedules").description("try schedules out");
  addScheduleFlags(
    schedules
      .command("preview")
      .description("list the runs a schedule would make: one of --at, --delay, --every, --cron"),
  )
    .option("--count <n>", "how many runs, 1–100 (default 10)", positive)
    .option("--from <time>", "as for a task created at this instant (default now)")
    .action(async (options, command: Command) => {
      print(command, await schedulesPreview(client(command), options));
    });

  program
    .command("stats")
    .description("the project's tasks by state, and its executions and lateness")
    .addOption(
      new Option("--window <window>", "how far back to count executions (default 24h)").choices(
        STATS_WINDOW_NAMES,
      ),
    )
    .action(async (options: { window?: StatsWindow }, command: Command) => {
      print(command, await stats(client(command), options.window));
    });

  addExecutionsFlags(
    program
      .command("executions")
      .description("list every attempt of the project's tasks, newest first (the failures inbox)"),
  )
    .option("--task <id>", "only this task's attempts")
    .option(
      "--label <key=value>",
      "only tasks with this label (repeatable, all must match)",
      collect,
    )
    .option("--since <time>", "attempts started at or after this instant (RFC 3339)")
    .option("--until <time>", "attempts started at or before this instant (RFC 3339)")
    .action(
      async (
        options: ExecutionsFlags & Omit<ExecutionsOptions, "successful">,
        command: Command,
      ) => {
        print(command, await executions(client(command), withOutcome(options)));
      },
    );

  const alerts = program
    .command("alerts")
    .description("the project's alert destination: failures, pauses, recoveries");
  alerts
    .command("set")
    .description("send the project's alerts to this URL (signed POSTs)")
    .requiredOption("--url <url>", "where the alerts go")
    .option(
      "--events <list>",
      "comma list of occurrence.failed, task.paused, task.recovered, task.failed (default all)",
    )
    .action(async (options: { url: string; events?: string }, command: Command) => {
      print(command, await alertsSet(client(command), options));
    });
  alerts
    .command("show")
    .description("show the project's alert destination")
    .action(async (_options, command: Command) => {
      print(command, await alertsShow(client(command)));
    });
  alerts
    .command("remove")
    .description("remove the project's alert destination")
    .action(async (_options, command: Command) => {
      print(command, await alertsRemove(client(command)));
    });

  const projects = program.command("projects").description("manage projects (admin token)");
  const admin = (command: Command) => adminClient(command.optsWithGlobals(), io.env);
  const adminOption = [
    "--admin-token <token>",
    "the deployment's admin token (env BELFRY_ADMIN_TOKEN)",
  ] as const;
  projects
    .command("create")
    .description("create a project and its first API key (shown once)")
    .argument("<name>", "the project's name")
    .option(...adminOption)
    .action(async (name: string, _options, command: Command) => {
      print(command, await projectsCreate(admin(command), name));
    });
  projects
    .command("issue-key")
    .description("issue another API key for a project (shown once)")
    .argument("<project>", "project id")
    .option(...adminOption)
    .action(async (project: string, _options, command: Command) => {
      print(command, await projectsIssueKey(admin(command), project));
    });
  projects
    .command("revoke-key")
    .description("revoke an API key: it fails on its next request")
    .argument("<project>", "project id")
    .argument("<key-id>", "the key's id")
    .option(...adminOption)
    .action(async (project: string, keyId: string, _options, command: Command) => {
      print(command, await projectsRevokeKey(admin(command), project, keyId));
    });
  projects
    .command("rotate-secret")
    .description("replace the signing secret; the old one signs alongside for 24 h")
    .argument("<project>", "project id")
    .option(...adminOption)
    .action(async (project: string, _options, command: Command) => {
      print(command, await projectsRotateSecret(admin(command), project));
    });

  return program;
}

/** The one line a failure is reported with. */
export function failureLine(error: unknown): string {
  if (error instanceof BelfryClientError) {
    const where = error.status ? `${error.code}, HTTP ${error.status}` : error.code;
    return `belfry: ${error.message} (${where})`;
  }
  if (error instanceof CliError) return `belfry: ${error.message}`;
  return `belfry: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * A failure as the API's error envelope, for `--json`: the server's code, message and details,
 * the client's own code when no answer came (network_error, …), invalid_request for a mistake
 * on the command line.
 */
export function failureEnvelope(error: unknown) {
  const fields =
    error instanceof BelfryClientError
      ? { code: error.code, message: error.message, details: error.details }
      : {
          code: error instanceof CliError ? "invalid_request" : "internal",
          message: error instanceof Error ? error.message : String(error),
          details: [],
        };
  return { status: "error" as const, error: fields };
}

/** Run the CLI on `argv` (without node and script); answers the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    // Commander has already printed its own complaint (or the help, with exit code 0).
    if (error instanceof CommanderError) return error.exitCode;
    // Under --json a failure is JSON too, on stderr, so stdout still holds only results.
    const report = argv.includes("--json")
      ? JSON.stringify(failureEnvelope(error))
      : failureLine(error).replace(/\s*\n\s*/g, " ");
    io.stderr.write(`${report}\n`);
    return 1;
  }
}
