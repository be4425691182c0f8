/**
 * `rocketmq-edge cluster` (and `deno task cluster`, through scripts/cluster.ts): run the embedded
 * RocketMQ-compatible cluster of `@rocketmq-edge/client/testing` until SIGINT or SIGTERM.
 *
 * The first line is `ROCKETMQ_NAMESRV=127.0.0.1:<port>` (so a shell or another process can pick it
 * up), then one `broker-x 127.0.0.1:<port>` line per broker.
 *
 * @module
 */

import { startCluster } from "../testing/cluster.ts";
import {
  type CliIo,
  EXIT_FAILED,
  EXIT_OK,
  intFlag,
  runCommand,
  stringFlag,
  stringList,
  UsageError,
} from "./_args.ts";

/** `rocketmq-edge cluster --help`. */
export const CLUSTER_HELP = `Usage: rocketmq-edge cluster [options]

Run the embedded RocketMQ-compatible cluster (a name server and brokers answering like RocketMQ
4.9.8) on 127.0.0.1 until SIGINT (Ctrl-C) or SIGTERM. Prints ROCKETMQ_NAMESRV=127.0.0.1:<port>
first, then one "broker-x 127.0.0.1:<port>" line per broker. For tests and local development:
messages are kept in memory only.

Options:
  --brokers N           number of brokers (default 2)
  --namesrv-port P      name-server port (default: any free port)
  --broker-ports P1,P2  broker ports, in broker order (default: any free ports)
  --topic T             create topic T at start (4 queues on every broker); repeat for more
  --max-stored N        stored messages kept per broker (default 100000)
  -h, --help            show this help

Example:
  rocketmq-edge cluster --brokers 1 --topic Orders
`;

const FLAGS = {
  brokers: { type: "string" },
  "namesrv-port": { type: "string" },
  "broker-ports": { type: "string" },
  topic: { type: "string", multiple: true },
  "max-stored": { type: "string" },
} as const;

function portList(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((p) => {
    const n = Number(p);
    if (p.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw new UsageError(`--broker-ports must be ports separated by commas, got ${value}`);
    }
    return n;
  });
}

/**
 * Run `rocketmq-edge cluster`: start the cluster, print its addresses, wait for a stop signal,
 * close it.
 *
 * @param argv arguments after `cluster`
 * @param io where output goes and where the stop signal comes from
 * @returns the exit code (once stopped)
 */
export function runClusterCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(io, "cluster", argv, FLAGS, CLUSTER_HELP, async (args) => {
    if (args.positionals.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    }
    const brokers = intFlag(args, "brokers") ?? 2;
    if (brokers < 1) throw new UsageError("--brokers must be at least 1");
    // Listen before starting, so a signal that arrives while the servers start still stops them.
    let stop: (signal: string) => void = () => {};
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const unlisten = io.onStop((signal) => stop(signal));
    try {
      const cluster = await startCluster({
        brokers,
        namesrvPort: intFlag(args, "namesrv-port"),
        brokerPorts: portList(stringFlag(args, "broker-ports")),
        maxStoredMessages: intFlag(args, "max-stored") ?? 100_000,
        topics: stringList(args, "topic").map((name) => ({ name })),
      });
      let out = `ROCKETMQ_NAMESRV=${cluster.namesrvAddr}\n`;
      for (const b of cluster.brokers) out += `${b.name} ${b.address}\n`;
      io.stdout(out);
      await stopped;
      try {
        await cluster.close();
      } catch (e) {
        io.stderr(`rocketmq-edge cluster: close failed: ${e}\n`);
        return EXIT_FAILED;
      }
      return EXIT_OK;
    } finally {
      unlisten();
    }
  });
}
