/**
 * The `rocketmq-edge` command line: dispatches to one module per command (`send`, `route`,
 * `cluster`, `relay`). Every command takes `--help` and returns an exit code: 0 ok, 1 failed, 2 bad usage.
 *
 * The commands are written against {@link CliIo}, not against a runtime, and parse flags with
 * `node:util`'s `parseArgs`, so one code runs under Node, Deno and Bun; `bin.ts` wires the I/O to
 * the process.
 *
 * @example Run a command with your own I/O
 * ```ts
 * import { runCli } from "./main.ts";
 *
 * const code = await runCli(["send", "--help"], {
 *   stdout: (t) => console.log(t),
 *   stderr: (t) => console.error(t),
 *   env: {},
 *   readFile: () => Promise.reject(new Error("no files")),
 *   readStdin: () => Promise.resolve(new Uint8Array()),
 *   onStop: () => () => {},
 * });
 * ```
 *
 * @module
 */

import { RocketMQError } from "../errors.ts";
import { type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, oneLine } from "./_args.ts";
import { VERSION } from "./_version.ts";

export type { CliIo } from "./_args.ts";
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./_args.ts";

/** `rocketmq-edge --help`. */
export const MAIN_HELP = `Usage: rocketmq-edge <command> [options]

A RocketMQ producer on the command line (native remoting protocol, RocketMQ 4.9.x / 5.x).

Commands:
  send      send one message, print its SendResult as one JSON line
  route     print a topic's route and publish queues
  cluster   run the embedded RocketMQ-compatible cluster (tests, local development)
  relay     serve the HTTP relay (publish over HTTP, Aliyun MQ HTTP API, status page)

Run 'rocketmq-edge <command> --help' for a command's options.
The name server defaults to $ROCKETMQ_NAMESRV.

Exit codes: 0 ok; 1 the command failed (error code on standard error); 2 bad usage.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

// Each command is imported when it runs: `--help` or `send` do not load the embedded cluster or
// the HTTP stack.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  send: async () => (await import("./send.ts")).runSendCommand,
  route: async () => (await import("./route.ts")).runRouteCommand,
  cluster: async () => (await import("./cluster.ts")).runClusterCommand,
  relay: async () => (await import("./relay.ts")).runRelaySubcommand,
};

/**
 * Run the command line.
 *
 * @param argv arguments after the program name, e.g. `["send", "--topic", "T", "hello"]`
 * @param io where the commands read and write
 * @returns the exit code
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.stdout(MAIN_HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === "--version" || command === "-V") {
    io.stdout(`rocketmq-edge ${VERSION}\n`);
    return EXIT_OK;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) {
    io.stderr(`rocketmq-edge: unknown command ${JSON.stringify(command)}\n`);
    io.stderr(`Commands: ${Object.keys(COMMANDS).join(", ")}. Run 'rocketmq-edge --help'.\n`);
    return EXIT_USAGE;
  }
  try {
    const run = await load();
    return await run(rest, io);
  } catch (e) {
    const text = e instanceof RocketMQError
      ? `${e.code}: ${e.message}`
      : e instanceof Error
      ? `ERROR: ${e.message}`
      : `ERROR: ${String(e)}`;
    io.stderr(`rocketmq-edge ${command}: ${oneLine(text)}\n`);
    return EXIT_FAILED;
  }
}
