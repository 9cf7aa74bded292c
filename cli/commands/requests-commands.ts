import { type Command, InvalidArgumentError } from "commander";
import type { GlobalOptions } from "../connection";
import type { CommandOutput } from "../output";
import { requestsAdd } from "./requests-add";
import { loopitisClient } from "./requests-client";
import { requestsExecutions } from "./requests-executions";
import { requestsList } from "./requests-list";

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("must be an integer.");
  return Number(value);
}

/**
 * `belfry requests …`: the Loopitis document's CLI asks — requests with a status, the executions
 * of one request, a request with all its parameters — over the `/requests` routes.
 */
export function registerRequestCommands(
  program: Command,
  print: (command: Command, output: CommandOutput) => void,
  env: Record<string, string | undefined>,
): void {
  const client = (command: Command) =>
    loopitisClient(command.optsWithGlobals<GlobalOptions>(), env);
  const requests = program
    .command("requests")
    .description("Loopitis-style requests: every N ms, K times, with the execution envelope");

  requests
    .command("list")
    .description("show the requests with a status, newest first")
    .option(
      "--status <statuses>",
      "only these (comma list: active,paused,completed,cancelled,failed)",
    )
    .option("--limit <n>", "show at most this many (default all)", integer)
    .action(async (options, command: Command) => {
      print(command, await requestsList(client(command), options));
    });

  requests
    .command("executions")
    .description("show every execution of one request, newest first")
    .argument("<requestId>", "the request's id")
    .action(async (id: string, _options, command: Command) => {
      print(command, await requestsExecutions(client(command), id));
    });

  requests
    .command("add")
    .description("add a request with all its parameters (the body of POST /requests)")
    .option("--interval <ms>", "milliseconds between calls (or 5s, 2m, …)")
    .option("--every <duration>", "the same as --interval")
    .option("--occurrences <n>", "calls to make in all (default: no end)", integer)
    .option("--name <name>", "the request's name")
    .option("--return-url <url>", "where the calls go")
    .option("--url <url>", "the same as --return-url")
    .option("--payload <text>", "the envelope's payload, a string")
    .option("--body <text>", "the same as --payload")
    .option("--callback-type <method>", "POST (default) or PUT")
    .option("--method <method>", "the same as --callback-type")
    .action(async (options, command: Command) => {
      print(command, await requestsAdd(client(command), options));
    });
}
