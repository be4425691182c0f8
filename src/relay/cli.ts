/**
 * The relay command: `deno task relay`, `node scripts/relay.ts`, `bun scripts/relay.ts` (and
 * the package CLI, which calls {@link runRelayCommand}). Parses flags with `node:util`'s
 * `parseArgs`, starts a producer (against `--namesrv`, or the embedded cluster when none is
 * given), serves the relay with the running runtime's serve helper, prints
 * `RELAY_URL=http://<host>:<port>` as its first line, and on SIGINT/SIGTERM drains and exits 0.
 *
 * @example
 * ```ts
 * import { runRelayCommand } from "@rocketmq-edge/client/relay/cli";
 *
 * const code = await runRelayCommand(["--port", "0", "--token", "s3cret"]);
 * console.log("relay exited with", code);
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { createLogger, type LogLevel } from "../log/logger.ts";
import { Producer } from "../producer/producer.ts";
import { createRelay, type Relay } from "./app.ts";
import type { RelayServeOptions, RelayServer } from "./types.ts";

/** Usage text of `--help`. */
export const RELAY_USAGE = `Usage: relay [options]

Publish to RocketMQ over HTTP (see README, "Relay").

  --namesrv H:P[;H:P]  name servers (env ROCKETMQ_NAMESRV); with neither, an embedded
                       in-process cluster is started (for trying things out)
  --hostname HOST      interface to listen on (default 127.0.0.1)
  --port N             port (env RELAY_PORT, default 8080; 0 = any free port)
  --token T            accepted bearer token; repeatable (env RELAY_TOKENS, comma-separated)
  --no-auth            accept requests without a token (explicit opt-out)
  --aliyun-key AK:SK   serve the Aliyun MQ HTTP route with this key; repeatable
                       (env RELAY_ALIYUN_KEYS, comma-separated)
  --group NAME         producer group (default relay_producer)
  --log-level LEVEL    debug | info | warn | error | silent (env RELAY_LOG_LEVEL, default info)
  --help               this text

The first line printed is RELAY_URL=http://<host>:<port>. SIGINT/SIGTERM drain in-flight sends
and exit 0.`;

/** Test seams of {@link runRelayCommand}. */
export interface RelayCommandIO {
  /** Environment (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Output lines (default stdout). */
  out?: (line: string) => void;
  /** Error lines (default stderr). */
  err?: (line: string) => void;
  /** Stops the relay like SIGTERM (default: the process's SIGINT and SIGTERM). */
  signal?: AbortSignal;
}

type ServeFn = (relay: Relay, options: RelayServeOptions) => Promise<RelayServer>;

/** The serve helper of the running runtime (the only runtime-specific choice of the command). */
async function serveHelper(): Promise<ServeFn> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return (await import("./serve-deno.ts")).serveRelay;
  if (g.Bun !== undefined) return (await import("./serve-bun.ts")).serveRelay;
  return (await import("./serve-node.ts")).serveRelay;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

class UsageError extends Error {}

interface Parsed {
  namesrv: string | undefined;
  hostname: string;
  port: number;
  tokens: string[];
  noAuth: boolean;
  aliyunKeys: Record<string, string> | undefined;
  group: string;
  logLevel: LogLevel;
  help: boolean;
}

function parse(argv: string[], env: Record<string, string | undefined>): Parsed {
  const { values } = parseArgs({
    args: argv,
    options: {
      namesrv: { type: "string" },
      hostname: { type: "string" },
      port: { type: "string" },
      token: { type: "string", multiple: true },
      "no-auth": { type: "boolean" },
      "aliyun-key": { type: "string", multiple: true },
      group: { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  const portText = values.port ?? env.RELAY_PORT ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port: expected 0..65535, got ${portText}`);
  }
  const tokens = values.token ?? list(env.RELAY_TOKENS);
  const noAuth = values["no-auth"] ?? false;
  if (noAuth && tokens.length > 0) throw new UsageError("--no-auth and --token exclude each other");
  const help = values.help ?? false;
  if (!noAuth && tokens.length === 0 && !help) {
    throw new UsageError("no token: pass --token T (or RELAY_TOKENS), or --no-auth explicitly");
  }
  let aliyunKeys: Record<string, string> | undefined;
  for (const pair of values["aliyun-key"] ?? list(env.RELAY_ALIYUN_KEYS)) {
    const i = pair.indexOf(":");
    if (i <= 0 || i === pair.length - 1) {
      throw new UsageError(`--aliyun-key: expected AccessKeyId:AccessKeySecret, got ${pair}`);
    }
    (aliyunKeys ??= {})[pair.slice(0, i)] = pair.slice(i + 1);
  }
  const logLevel = (values["log-level"] ?? env.RELAY_LOG_LEVEL ?? "info") as LogLevel;
  if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
    throw new UsageError(`--log-level: expected debug|info|warn|error|silent, got ${logLevel}`);
  }
  return {
    namesrv: values.namesrv ?? env.ROCKETMQ_NAMESRV,
    hostname: values.hostname ?? "127.0.0.1",
    port,
    tokens,
    noAuth,
    aliyunKeys,
    group: values.group ?? "relay_producer",
    logLevel,
    help,
  };
}

/** Resolves when SIGINT/SIGTERM arrives (or `signal` aborts); removes its listeners then. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal !== undefined) {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const onSignal = (): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/**
 * Run the relay command until SIGINT/SIGTERM.
 *
 * @param argv arguments after the command name
 * @param io test seams (environment, output, stop signal)
 * @returns the exit code: 0 after a clean stop (and for `--help`), 2 for bad usage, 1 on failure
 */
export async function runRelayCommand(argv: string[], io: RelayCommandIO = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const err = io.err ?? ((line: string) => process.stderr.write(line + "\n"));
  let p: Parsed;
  try {
    p = parse(argv, env);
  } catch (e) {
    err(`relay: ${e instanceof Error ? e.message : String(e)}`);
    err("Try --help.");
    return 2;
  }
  if (p.help) {
    out(RELAY_USAGE);
    return 0;
  }
  const logger = createLogger({
    level: p.logLevel,
    sink: (e) => err(JSON.stringify({ ...e.fields, time: e.time, level: e.level, msg: e.message })),
  });
  let cluster: { namesrvAddr: string; close(): Promise<void> } | undefined;
  let producer: Producer | undefined;
  let server: RelayServer | undefined;
  try {
    let nameServer = p.namesrv;
    if (nameServer === undefined) {
      const { startCluster } = await import("../testing/mod.ts");
      cluster = await startCluster({ brokers: 2 });
      nameServer = cluster.namesrvAddr;
    }
    producer = new Producer({ nameServer, group: p.group });
    await producer.start();
    const relay = createRelay({
      producer,
      auth: p.noAuth ? false : { tokens: p.tokens },
      aliyunKeys: p.aliyunKeys,
      logger,
    });
    server = await (await serveHelper())(relay, { hostname: p.hostname, port: p.port });
    out(`RELAY_URL=${server.url}`);
    if (cluster !== undefined) out(`ROCKETMQ_NAMESRV=${cluster.namesrvAddr} (embedded cluster)`);
    await stopRequested(io.signal);
    await server.close();
    return 0;
  } catch (e) {
    err(`relay: ${e instanceof Error ? e.message : String(e)}`);
    if (server !== undefined) await server.close().catch(() => {});
    else await producer?.shutdown().catch(() => {});
    return 1;
  } finally {
    await cluster?.close();
  }
}
