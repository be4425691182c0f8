/**
 * `startCluster`: a name server and N broker masters wired together in-process.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { type BrokerHandle, startBroker } from "./broker.ts";
import { type NameServerHandle, startNameServer } from "./name-server.ts";

/** A topic to create when the cluster starts (or later with {@link TestCluster.createTopic}). */
export interface ClusterTopic {
  /** Topic name. */
  name: string;
  /** Read and write queues per broker (default 4). */
  queues?: number;
  /** Brokers that host it, by name (default: all). */
  brokers?: string[];
  /** Permission bits (default 6). */
  perm?: number;
  /** Route `orderTopicConf`, e.g. `"broker-a:4;broker-b:4"`. */
  orderTopicConf?: string;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Number of broker masters (default 2), named broker-a, broker-b, … */
  brokers?: number;
  /** Cluster name (default `"DefaultCluster"`). */
  clusterName?: string;
  /** Fixed name-server port (default: a free one). */
  namesrvPort?: number;
  /** Fixed broker ports, in broker order (default: free ones). */
  brokerPorts?: number[];
  /** Brokers create unknown topics through TBW102 (default true). */
  autoCreateTopicEnable?: boolean;
  /** Keep at most this many stored messages per broker (default unlimited). */
  maxStoredMessages?: number;
  /** Topics to create at start. */
  topics?: ClusterTopic[];
  /**
   * The name server's `orderMessageEnable`: routes carry `orderTopicConf` (default true, as in the
   * recorded fixtures).
   */
  orderMessageEnable?: boolean;
  /** Brokers refuse sends to topics without WRITE perm (not 4.9.8 behaviour; default false). */
  enforceTopicPerm?: boolean;
}

/** A running embedded cluster; `await using cluster = await startCluster()` closes it at scope end. */
export interface TestCluster extends AsyncDisposable {
  /** `127.0.0.1:<port>` of the name server (what a client's `namesrvAddr` takes). */
  readonly namesrvAddr: string;
  /** The name server. */
  readonly nameServer: NameServerHandle;
  /** The brokers, in name order. */
  readonly brokers: BrokerHandle[];
  /** The broker with this name; throws ValidationError when there is none. */
  broker(name: string): BrokerHandle;
  /** Create a topic on some or all brokers (and its `orderTopicConf`). */
  createTopic(name: string, options?: Omit<ClusterTopic, "name">): void;
  /** Stop every server; leaves no socket or timer behind. Idempotent. */
  close(): Promise<void>;
  /** `await using` support: same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** `broker-a`, `broker-b`, …, `broker-z`, `broker-27`, … */
function brokerName(i: number): string {
  return i < 26 ? `broker-${String.fromCharCode(97 + i)}` : `broker-${i + 1}`;
}

/**
 * Start a name server and broker masters on 127.0.0.1, ready for any RocketMQ client.
 *
 * @example
 * ```ts
 * import { startCluster } from "@rocketmq-edge/client/testing";
 *
 * const cluster = await startCluster({ brokers: 2, topics: [{ name: "orders", queues: 4 }] });
 * // point a producer at cluster.namesrvAddr, send, then inspect:
 * console.log(cluster.broker("broker-a").messages("orders").length);
 * await cluster.close();
 * ```
 *
 * @param options broker count, ports, topics, auto-create
 * @returns the running cluster
 */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.brokers ?? 2;
  const nameServer = await startNameServer({
    port: options.namesrvPort,
    orderMessageEnable: options.orderMessageEnable,
  });
  const brokers: BrokerHandle[] = [];
  try {
    for (let i = 0; i < count; i++) {
      brokers.push(
        await startBroker({
          name: brokerName(i),
          clusterName: options.clusterName,
          port: options.brokerPorts?.[i],
          nameServers: [nameServer],
          autoCreateTopicEnable: options.autoCreateTopicEnable,
          maxStoredMessages: options.maxStoredMessages,
          enforceTopicPerm: options.enforceTopicPerm,
        }),
      );
    }
  } catch (e) {
    for (const b of brokers) await b.stop();
    await nameServer.stop();
    throw e;
  }
  const byName = new Map(brokers.map((b) => [b.name, b]));
  const broker = (name: string): BrokerHandle => {
    const b = byName.get(name);
    if (!b) {
      throw new ValidationError(
        "name",
        `must be one of ${[...byName.keys()].join(", ")}, got "${name}"`,
      );
    }
    return b;
  };
  const createTopic = (name: string, o: Omit<ClusterTopic, "name"> = {}): void => {
    const targets = o.brokers ? o.brokers.map(broker) : brokers;
    for (const b of targets) b.createTopic(name, { queues: o.queues, perm: o.perm });
    if (o.orderTopicConf !== undefined) nameServer.setOrderTopicConf(name, o.orderTopicConf);
  };
  for (const t of options.topics ?? []) createTopic(t.name, t);
  const close = async (): Promise<void> => {
    await Promise.all([...brokers.map((b) => b.stop({ keepRoute: true })), nameServer.stop()]);
  };
  return {
    namesrvAddr: nameServer.address,
    nameServer,
    brokers,
    broker,
    createTopic,
    close,
    [Symbol.asyncDispose]: close,
  };
}
