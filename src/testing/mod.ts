/**
 * An embedded, in-process RocketMQ-compatible cluster for tests and benchmarks
 * (`@rocketmq-edge/client/testing`).
 *
 * It speaks the native remoting protocol over real `node:net` sockets on 127.0.0.1 (Deno, Bun and
 * Node alike) and answers like Apache RocketMQ 4.9.8: routes from the name server (including the
 * fastjson quirks), sends, batches, auto-create through TBW102, heartbeats, transactions. Tests can
 * inspect what was stored and inject faults (latency, error codes, dropped connections,
 * stop/restart on the same port, blackhole).
 *
 * @example
 * ```ts
 * import { startCluster } from "@rocketmq-edge/client/testing";
 *
 * const cluster = await startCluster({ brokers: 2, topics: [{ name: "orders" }] });
 * try {
 *   // any RocketMQ client: namesrvAddr = cluster.namesrvAddr
 *   cluster.broker("broker-b").failNextSends(1, 14, "service not available");
 *   // … send, then:
 *   const stored = cluster.brokers.flatMap((b) => b.messages("orders"));
 *   console.log(stored.map((m) => m.properties.get("KEYS")));
 * } finally {
 *   await cluster.close();
 * }
 * ```
 *
 * @module
 */

export { startCluster } from "./cluster.ts";
export type { ClusterOptions, ClusterTopic, TestCluster } from "./cluster.ts";
export { startBroker } from "./broker.ts";
export type {
  BrokerHandle,
  BrokerOptions,
  ClientRecord,
  EndTransactionRecord,
  PushResult,
  ReplyOptions,
  StoredMessage,
  TopicConfig,
  TopicOptions,
} from "./broker.ts";
export { ORDER_TOPIC_CONFIG, startNameServer } from "./name-server.ts";
export type {
  NameServerHandle,
  NameServerOptions,
  RegisteredBroker,
  RegisteredTopic,
} from "./name-server.ts";
export type { RouteBrokerData, RouteData, RouteQueueData } from "./route-json.ts";
export type { ReceivedRequest } from "./server.ts";
