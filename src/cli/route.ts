/**
 * `rocketmq-edge route <topic>`: ask the name server for a topic's route and print it, with the
 * queues a producer would send to (in the order it picks them), as tables.
 *
 * @module
 */

import { NameServerList } from "../client/name-server.ts";
import { RocketMQError, RouteNotFoundError } from "../errors.ts";
import {
  LanguageCode,
  MQVersion,
  RequestCode,
  ResponseCode,
  SerializeType,
} from "../remoting/codes.ts";
import { RemotingClient } from "../remoting/client.ts";
import { topicRouteToPublishInfo } from "../route/publish-info.ts";
import { parseTopicRouteData, type TopicRouteData } from "../route/topic-route.ts";
import {
  type CliIo,
  EXIT_FAILED,
  EXIT_OK,
  intFlag,
  nameServerFlag,
  oneLine,
  runCommand,
  UsageError,
} from "./_args.ts";

/** `rocketmq-edge route --help`. */
export const ROUTE_HELP = `Usage: rocketmq-edge route [--namesrv HOST:PORT] [--json] TOPIC

Print the route of TOPIC from the name server (GET_ROUTEINFO_BY_TOPIC): its brokers, its queue
layout per broker, and the publish queues a producer picks from, in round-robin order.

Options:
  --namesrv H:P[;H:P]   name server(s); default: $ROCKETMQ_NAMESRV
  --timeout MS          per name-server timeout (default 3000)
  --json                print the route and the publish queues as one JSON line instead
  -h, --help            show this help

Exit codes: 0 printed; 1 no route (the topic does not exist) or no name server answered;
2 bad usage.

Example:
  rocketmq-edge route --namesrv 127.0.0.1:9876 Orders
`;

const FLAGS = {
  namesrv: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * Run `rocketmq-edge route`.
 *
 * @param argv arguments after `route`
 * @param io where output goes
 * @returns the exit code
 */
export function runRouteCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(io, "route", argv, FLAGS, ROUTE_HELP, async (args) => {
    const nameServer = nameServerFlag(args, io);
    if (args.positionals.length !== 1) {
      throw new UsageError(`expected one TOPIC argument, got ${args.positionals.length}`);
    }
    const topic = args.positionals[0];
    const timeoutMs = intFlag(args, "timeout") ?? 3000;
    let route: TopicRouteData;
    try {
      route = await fetchRoute(nameServer, topic, timeoutMs);
    } catch (e) {
      const text = e instanceof RocketMQError ? `${e.code}: ${e.message}` : String(e);
      const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : "";
      io.stderr(`rocketmq-edge route: ${oneLine(text + cause)}\n`);
      return EXIT_FAILED;
    }
    const queues = topicRouteToPublishInfo(topic, route).messageQueueList;
    if (args.values.json) {
      io.stdout(JSON.stringify({ topic, route, publishQueues: queues }) + "\n");
      return EXIT_OK;
    }
    io.stdout(renderRoute(topic, route, queues));
    return EXIT_OK;
  });
}

/** GET_ROUTEINFO_BY_TOPIC through the name-server list (fails over like the producer). */
async function fetchRoute(
  nameServer: string,
  topic: string,
  timeoutMs: number,
): Promise<TopicRouteData> {
  const remoting = new RemotingClient({ connectTimeoutMs: timeoutMs });
  try {
    const addresses = nameServer.split(";").map((a) => a.trim()).filter((a) => a !== "");
    const list = new NameServerList(remoting, addresses, () => {}, 0);
    const response = await list.invoke({
      code: RequestCode.GET_ROUTEINFO_BY_TOPIC,
      language: LanguageCode.OTHER,
      version: MQVersion.V4_9_4,
      opaque: 0,
      flag: 0,
      extFields: { topic, acceptStandardJsonOnly: "true" },
      serializeType: SerializeType.JSON,
    }, timeoutMs);
    if (response.code === ResponseCode.SUCCESS && response.body && response.body.length > 0) {
      return parseTopicRouteData(response.body);
    }
    const why = `name server answered code ${response.code}${
      response.remark ? `: ${response.remark}` : ""
    }`;
    throw new RouteNotFoundError(topic, { cause: new Error(why) });
  } finally {
    await remoting.close();
  }
}

/** Plain-text table: columns padded to their widest cell, header underlined. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}

function perm(bits: number): string {
  return `${bits & 4 ? "R" : "-"}${bits & 2 ? "W" : "-"}${bits & 1 ? "I" : "-"} (${bits})`;
}

function renderRoute(
  topic: string,
  route: TopicRouteData,
  queues: readonly { brokerName: string; queueId: number }[],
): string {
  const brokers = route.brokerDatas.flatMap((b) =>
    Object.entries(b.brokerAddrs).map(([id, address]) => [
      b.cluster,
      b.brokerName,
      id === "0" ? "0 (master)" : id,
      address,
    ])
  );
  const layout = route.queueDatas.map((q) => [
    q.brokerName,
    String(q.readQueueNums),
    String(q.writeQueueNums),
    perm(q.perm),
  ]);
  const publish = queues.map((q, i) => [String(i), q.brokerName, String(q.queueId)]);
  let out = `topic ${topic}\n`;
  if (route.orderTopicConf) out += `orderTopicConf ${route.orderTopicConf}\n`;
  out += "\nbrokers\n" + table(["cluster", "broker", "id", "address"], brokers);
  out += "\nqueues\n" + table(["broker", "read", "write", "perm"], layout);
  out += `\npublish queues (${queues.length})\n` + table(["#", "broker", "queueId"], publish);
  return out;
}
