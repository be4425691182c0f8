/**
 * What every `rocketmq-edge` command shares: the exit codes, the usage error, the I/O seam the
 * commands write through (so tests and the bin supply their own), and flag parsing over
 * `node:util`'s `parseArgs`, which Deno, Bun and Node all provide — no hand-written parser.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Exit code: the command did what was asked. */
export const EXIT_OK = 0;
/** Exit code: the command ran and failed (a send that failed, a route not found, …). */
export const EXIT_FAILED = 1;
/** Exit code: bad usage (unknown command or flag, missing or malformed value). */
export const EXIT_USAGE = 2;

/** Where a command reads and writes; the bin wires it to the process (see `bin.ts`). */
export interface CliIo {
  /** Writes text to standard output as is. */
  stdout(text: string): void;
  /** Writes text to standard error as is. */
  stderr(text: string): void;
  /** The environment variables. */
  env: Readonly<Record<string, string | undefined>>;
  /** The bytes of a file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Everything on standard input until it ends. */
  readStdin(): Promise<Uint8Array>;
  /**
   * Calls `listener` once on the first SIGINT or SIGTERM.
   *
   * @returns a function that removes the listener
   */
  onStop(listener: (signal: string) => void): () => void;
}

/** Bad command-line usage; its message names the flag or argument at fault. */
export class UsageError extends Error {
  /**
   * Create the error.
   *
   * @param message what is wrong, naming the flag
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag of a command, as `parseArgs` takes it. */
export interface FlagSpec {
  /** `"string"` takes a value, `"boolean"` does not. */
  type: "string" | "boolean";
  /** One-letter alias. */
  short?: string;
  /** May be given more than once (values are collected in order). */
  multiple?: boolean;
}

/** Flags and positionals as parsed. */
export interface ParsedArgs {
  /** Flag values by long name (strings, booleans, or arrays for `multiple` flags). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Arguments that are not flags, in order. */
  positionals: string[];
}

/**
 * Parse a command's arguments strictly (unknown flags and missing values are usage errors).
 *
 * @param argv the arguments after the command name
 * @param flags the command's flags by long name (`help` is added)
 * @returns flags and positionals
 * @throws UsageError naming the flag when parsing fails
 */
export function parseFlags(argv: string[], flags: Record<string, FlagSpec>): ParsedArgs {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...flags, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (e) {
    // parseArgs' messages name the flag ("Unknown option '--x'", "Option '--topic <value>'
    // argument missing"); keep them, without Node's hint about positionals after "--".
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(message.split("\n")[0].split(". To specify a positional")[0]);
  }
}

/**
 * A string flag's value.
 *
 * @param args parsed arguments
 * @param name long flag name
 * @returns the value, or undefined when absent
 */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

/**
 * A repeatable string flag's values.
 *
 * @param args parsed arguments
 * @param name long flag name
 * @returns the values in order (empty when absent)
 */
export function stringList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * A flag holding a non-negative integer.
 *
 * @param args parsed arguments
 * @param name long flag name
 * @returns the number, or undefined when absent
 * @throws UsageError naming the flag when the value is not a non-negative integer
 */
export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * Text on one line (a broker's remark may hold line breaks), so each failure is one stderr line.
 *
 * @param text any text
 * @returns the text with every run of line breaks and surrounding blanks replaced by one space
 */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/**
 * Run a command body, turning a {@link UsageError} into its message plus a pointer to `--help` on
 * standard error and exit code 2.
 *
 * @param io where the message goes
 * @param command the command's name, e.g. `"send"`
 * @param body the command's work, returning its exit code
 * @returns the exit code
 */
export async function withUsage(
  io: CliIo,
  command: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`rocketmq-edge ${command}: ${oneLine(e.message)}\n`);
    io.stderr(`Run 'rocketmq-edge ${command} --help' for usage.\n`);
    return EXIT_USAGE;
  }
}

/**
 * Run one command: parse `argv` against `flags`, print `help` for `--help`, else run `body` with
 * the parsed arguments; a {@link UsageError} anywhere becomes exit code 2 (see {@link withUsage}).
 *
 * @param io where output goes
 * @param command the command's name, for messages
 * @param argv arguments after the command's name
 * @param flags the command's flags
 * @param help the command's `--help` text
 * @param body the command itself
 * @returns the exit code
 */
export function runCommand(
  io: CliIo,
  command: string,
  argv: string[],
  flags: Record<string, FlagSpec>,
  help: string,
  body: (args: ParsedArgs) => Promise<number>,
): Promise<number> {
  return withUsage(io, command, () => {
    const args = parseFlags(argv, flags);
    if (args.values.help) {
      io.stdout(help);
      return Promise.resolve(EXIT_OK);
    }
    return body(args);
  });
}

/**
 * The name server(s) from `--namesrv`, else `$ROCKETMQ_NAMESRV`.
 *
 * @param args parsed arguments
 * @param io the environment
 * @returns `host:port[;host:port]`
 * @throws UsageError when neither is set
 */
export function nameServerFlag(args: ParsedArgs, io: CliIo): string {
  const nameServer = stringFlag(args, "namesrv") ?? io.env.ROCKETMQ_NAMESRV;
  if (!nameServer) throw new UsageError("missing --namesrv (or set ROCKETMQ_NAMESRV)");
  return nameServer;
}
