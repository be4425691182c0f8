/**
 * `rocketmq-edge send`: send one message and print its SendResult as one JSON line.
 *
 * @module
 */

import { RocketMQError, SendFailedError, ValidationError } from "../errors.ts";
import { Producer } from "../producer/producer.ts";
import type { Message } from "../producer/types.ts";
import {
  type CliIo,
  EXIT_FAILED,
  EXIT_OK,
  intFlag,
  nameServerFlag,
  oneLine,
  runCommand,
  stringFlag,
  stringList,
  UsageError,
} from "./_args.ts";

/** `rocketmq-edge send --help`. */
export const SEND_HELP =
  `Usage: rocketmq-edge send --namesrv HOST:PORT --topic TOPIC [options] [BODY | --file F | -]

Send one message and print its SendResult as one JSON line on standard output.

The body is BODY, the contents of --file F, or standard input when BODY is "-".

Options:
  --namesrv H:P[;H:P]   name server(s); default: $ROCKETMQ_NAMESRV
  --topic T             topic (required)
  --tags X              tag (TAGS property)
  --keys a,b            index keys (KEYS property), comma-separated
  --property k=v        user property; repeat for more
  --delay-level N       delay level 1..18
  --group G             producer group (default rocketmq_edge_cli)
  --timeout MS          send timeout across retries (default 3000)
  --file F              read the body from file F
  -h, --help            show this help

Exit codes: 0 sent; 1 the send failed (the error's code and message on standard error);
2 bad usage (the message names the flag).

Example:
  rocketmq-edge send --namesrv 127.0.0.1:9876 --topic Orders --tags created --keys o-1 \\
    --property region=eu '{"id":1}'
`;

const FLAGS = {
  namesrv: { type: "string" },
  topic: { type: "string" },
  tags: { type: "string" },
  keys: { type: "string" },
  property: { type: "string", multiple: true },
  "delay-level": { type: "string" },
  group: { type: "string" },
  timeout: { type: "string" },
  file: { type: "string" },
} as const;

/** Which flag or argument a producer ValidationError's field came from. */
const FIELD_FLAGS: Readonly<Record<string, string>> = {
  topic: "--topic",
  tags: "--tags",
  keys: "--keys",
  body: "BODY",
  properties: "--property",
  delayTimeLevel: "--delay-level",
  group: "--group",
  sendTimeoutMs: "--timeout",
  nameServer: "--namesrv",
};

function flagOfField(field: string): string | undefined {
  const head = field.replace(/^(options|message)\./, "").split(/[.[]/)[0];
  return FIELD_FLAGS[head];
}

function parseProperties(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`--property must be key=value, got ${JSON.stringify(pair)}`);
    }
    properties[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return properties;
}

async function readBody(
  io: CliIo,
  positionals: string[],
  file: string | undefined,
): Promise<Uint8Array | string> {
  if (positionals.length > 1) {
    throw new UsageError(`expected one BODY argument, got ${positionals.length}`);
  }
  if (file !== undefined && positionals.length === 1) {
    throw new UsageError("give the body either as BODY or with --file, not both");
  }
  if (file !== undefined) {
    try {
      return await io.readFile(file);
    } catch (e) {
      throw new UsageError(`--file ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (positionals.length === 0) {
    throw new UsageError('missing the body: give BODY, --file F, or "-" for standard input');
  }
  return positionals[0] === "-" ? await io.readStdin() : positionals[0];
}

/**
 * Run `rocketmq-edge send`.
 *
 * @param argv arguments after `send`
 * @param io where output goes
 * @returns the exit code
 */
export function runSendCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(io, "send", argv, FLAGS, SEND_HELP, async (args) => {
    const nameServer = nameServerFlag(args, io);
    const topic = stringFlag(args, "topic");
    if (topic === undefined) throw new UsageError("missing --topic");
    const keys = stringFlag(args, "keys")?.split(",").filter((k) => k !== "");
    const message: Message = {
      topic,
      body: await readBody(io, args.positionals, stringFlag(args, "file")),
      tags: stringFlag(args, "tags"),
      keys: keys && keys.length > 0 ? keys : undefined,
      properties: parseProperties(stringList(args, "property")),
      delayTimeLevel: intFlag(args, "delay-level"),
    };
    return await send(io, nameServer, message, {
      group: stringFlag(args, "group") ?? "rocketmq_edge_cli",
      timeoutMs: intFlag(args, "timeout"),
    });
  });
}

async function send(
  io: CliIo,
  nameServer: string,
  message: Message,
  options: { group: string; timeoutMs: number | undefined },
): Promise<number> {
  let producer: Producer | undefined;
  try {
    producer = new Producer({
      nameServer,
      group: options.group,
      sendTimeoutMs: options.timeoutMs,
    });
    await producer.start();
    const result = await producer.send(message);
    io.stdout(JSON.stringify(result) + "\n");
    return EXIT_OK;
  } catch (e) {
    if (e instanceof ValidationError) {
      const flag = flagOfField(e.field);
      throw new UsageError(flag ? `${flag}: ${e.message}` : e.message);
    }
    io.stderr(`rocketmq-edge send: ${oneLine(describeFailure(e))}\n`);
    return EXIT_FAILED;
  } finally {
    await producer?.shutdown();
  }
}

/** `CODE: message`, plus the broker's response code of a failed send when there was one. */
function describeFailure(e: unknown): string {
  if (!(e instanceof RocketMQError)) return `ERROR: ${e instanceof Error ? e.message : String(e)}`;
  let text = `${e.code}: ${e.message}`;
  if (e instanceof SendFailedError && e.lastResponseCode !== undefined) {
    text += ` (last response code ${e.lastResponseCode})`;
  }
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  if (cause !== undefined && !text.includes(cause)) text += ` (cause: ${cause})`;
  return text;
}
