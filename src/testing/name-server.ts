/**
 * The embedded name server: answers like a 4.9.8 name server (namesrv `DefaultRequestProcessor`)
 * from the topics its brokers register (in-process calls, no REGISTER_BROKER frames):
 * PUT/GET/DELETE_KV_CONFIG (100/101/102), UNREGISTER_BROKER (104), GET_ROUTEINFO_BY_TOPIC (105),
 * GET_BROKER_CLUSTER_INFO (106) and GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206). Other codes get no
 * answer (the fixtures show the real one silent for a code it does not know).
 *
 * @module
 */

import type { RemotingCommand } from "../remoting/command.ts";
import { LanguageCode, MQVersion, RequestCode, ResponseCode } from "../remoting/codes.ts";
import { javaHashMapOrder } from "./_java-order.ts";
import {
  type RouteBrokerData,
  type RouteData,
  type RouteQueueData,
  serializeClusterInfo,
  serializeRoute,
  serializeTopicList,
} from "./route-json.ts";
import { FrameServer, FrameServerHandle, type ReceivedRequest } from "./server.ts";

const encoder = new TextEncoder();

/** Name-server request codes beyond the producer's (`RequestCode` in 4.9.8). */
const NamesrvCode = {
  PUT_KV_CONFIG: 100,
  GET_KV_CONFIG: 101,
  DELETE_KV_CONFIG: 102,
  GET_BROKER_CLUSTER_INFO: 106,
  GET_ALL_TOPIC_LIST_FROM_NAMESERVER: 206,
} as const;

/** `ResponseCode.QUERY_NOT_FOUND`. */
const QUERY_NOT_FOUND = 22;

/** `NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG`: the KV namespace of `orderTopicConf` values. */
export const ORDER_TOPIC_CONFIG = "ORDER_TOPIC_CONFIG";

/** A topic as a broker registers it with the name server. */
export interface RegisteredTopic {
  /** Topic name. */
  topic: string;
  /** Readable queue count. */
  readQueueNums: number;
  /** Writable queue count. */
  writeQueueNums: number;
  /** Permission bits. */
  perm: number;
  /** Topic system flag (default 0). */
  topicSysFlag?: number;
}

/** A broker as registered with the name server. */
export interface RegisteredBroker {
  /** Cluster name. */
  cluster: string;
  /** Broker name. */
  brokerName: string;
  /** `ip:port` of the master (broker id 0). */
  address: string;
}

/** Options of {@link startNameServer}. */
export interface NameServerOptions {
  /** Fixed port; 0 or absent picks a free one. */
  port?: number;
  /**
   * `NamesrvConfig.orderMessageEnable`: routes carry `orderTopicConf` from the KV store. Default
   * true, as in the recorded fixtures (a stock 4.9.8 name server defaults to false).
   */
  orderMessageEnable?: boolean;
}

/** Handle on a running embedded name server. */
export interface NameServerHandle {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** The listening port (kept across stop/start). */
  readonly port: number;
  /** True while listening. */
  readonly running: boolean;
  /** Milliseconds added before each answer. */
  setLatency(ms: number): void;
  /** Accept and read, never answer (on) or behave normally again (off). */
  blackhole(on: boolean): void;
  /** Register (or re-register) a broker with its full topic list, replacing the previous list. */
  registerBroker(broker: RegisteredBroker, topics: Iterable<RegisteredTopic>): void;
  /** Remove a broker and its queue data from every route. */
  unregisterBroker(brokerName: string): void;
  /**
   * Set (or clear with `undefined`) the `orderTopicConf` of a topic (`"broker-a:4;broker-b:4"`):
   * the KV entry `ORDER_TOPIC_CONFIG`/`topic`, as PUT_KV_CONFIG / DELETE_KV_CONFIG would.
   */
  setOrderTopicConf(topic: string, conf: string | undefined): void;
  /** The KV store entry, as GET_KV_CONFIG answers it (`undefined`: QUERY_NOT_FOUND). */
  getKVConfig(namespace: string, key: string): string | undefined;
  /** Put a KV store entry (PUT_KV_CONFIG). */
  putKVConfig(namespace: string, key: string, value: string): void;
  /** Delete a KV store entry (DELETE_KV_CONFIG). */
  deleteKVConfig(namespace: string, key: string): void;
  /** The route the server would answer for `topic`, or `undefined` (TOPIC_NOT_EXIST). */
  route(topic: string): RouteData | undefined;
  /** How many requests with this code were received (answered or not). */
  requestCount(code: number): number;
  /** The last request received with this code: header fields and body as decoded (copies). */
  lastRequest(code: number): ReceivedRequest | undefined;
  /** Close every client connection. */
  dropConnections(): void;
  /** Stop listening and close connections; the registered routes are kept. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
}

class NameServer extends FrameServerHandle implements NameServerHandle {
  override readonly server: FrameServer;
  #brokers = new Map<string, RegisteredBroker>();
  /** topic → brokerName → queue data; Map insertion order stands in for Java's put order. */
  #topics = new Map<string, Map<string, RouteQueueData>>();
  /** namespace → key → value (`KVConfigManager`). */
  #kv = new Map<string, Map<string, string>>();
  #orderMessageEnable: boolean;
  /** Largest sizes the Java HashMaps reached (removals do not shrink their tables). */
  #maxBrokers = 0;
  #maxTopics = 0;

  constructor(options?: NameServerOptions) {
    super();
    this.#orderMessageEnable = options?.orderMessageEnable ?? true;
    this.server = new FrameServer((cmd) => this.#handle(cmd), { port: options?.port });
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
  start(): Promise<void> {
    return this.server.start();
  }

  registerBroker(broker: RegisteredBroker, topics: Iterable<RegisteredTopic>): void {
    this.#brokers.set(broker.brokerName, { ...broker });
    this.#maxBrokers = Math.max(this.#maxBrokers, this.#brokers.size);
    const seen = new Set<string>();
    for (const t of topics) {
      seen.add(t.topic);
      let byBroker = this.#topics.get(t.topic);
      if (!byBroker) {
        this.#topics.set(t.topic, byBroker = new Map());
        this.#maxTopics = Math.max(this.#maxTopics, this.#topics.size);
      }
      byBroker.set(broker.brokerName, {
        brokerName: broker.brokerName,
        readQueueNums: t.readQueueNums,
        writeQueueNums: t.writeQueueNums,
        perm: t.perm,
        topicSysFlag: t.topicSysFlag ?? 0,
      });
    }
    for (const [topic, byBroker] of this.#topics) {
      if (!seen.has(topic) && byBroker.delete(broker.brokerName) && byBroker.size === 0) {
        this.#topics.delete(topic);
      }
    }
  }

  unregisterBroker(brokerName: string): void {
    this.#brokers.delete(brokerName);
    for (const [topic, byBroker] of this.#topics) {
      if (byBroker.delete(brokerName) && byBroker.size === 0) this.#topics.delete(topic);
    }
  }

  setOrderTopicConf(topic: string, conf: string | undefined): void {
    if (conf === undefined) this.deleteKVConfig(ORDER_TOPIC_CONFIG, topic);
    else this.putKVConfig(ORDER_TOPIC_CONFIG, topic, conf);
  }

  getKVConfig(namespace: string, key: string): string | undefined {
    return this.#kv.get(namespace)?.get(key);
  }

  putKVConfig(namespace: string, key: string, value: string): void {
    let table = this.#kv.get(namespace);
    if (!table) this.#kv.set(namespace, table = new Map());
    table.set(key, value);
  }

  deleteKVConfig(namespace: string, key: string): void {
    // The real manager keeps the (possibly empty) namespace table.
    this.#kv.get(namespace)?.delete(key);
  }

  route(topic: string): RouteData | undefined {
    const byBroker = this.#topics.get(topic);
    if (!byBroker || byBroker.size === 0) return undefined;
    // The real server walks a HashMap<brokerName, QueueData> and a HashSet of broker names.
    const names = javaHashMapOrder([...byBroker.keys()]);
    const route: RouteData = { queueDatas: [], brokerDatas: [] };
    for (const name of names) {
      route.queueDatas.push({ ...byBroker.get(name)! });
      const b = this.#brokers.get(name);
      if (b) {
        route.brokerDatas.push({
          cluster: b.cluster,
          brokerName: name,
          brokerAddrs: new Map([[0, b.address]]),
        });
      }
    }
    if (this.#orderMessageEnable) {
      const conf = this.getKVConfig(ORDER_TOPIC_CONFIG, topic);
      if (conf !== undefined) route.orderTopicConf = conf;
    }
    return route;
  }

  requestCount(code: number): number {
    return this.server.counts.get(code) ?? 0;
  }

  #handle(cmd: RemotingCommand): RemotingCommand | undefined {
    switch (cmd.code) {
      case NamesrvCode.PUT_KV_CONFIG:
      case NamesrvCode.GET_KV_CONFIG:
      case NamesrvCode.DELETE_KV_CONFIG:
        return this.#kvRequest(cmd);
      case RequestCode.UNREGISTER_BROKER:
        return this.#unregisterRequest(cmd);
      case RequestCode.GET_ROUTEINFO_BY_TOPIC:
        return this.#routeRequest(cmd);
      case NamesrvCode.GET_BROKER_CLUSTER_INFO:
        return response(cmd, ResponseCode.SUCCESS, this.#clusterInfo());
      case NamesrvCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER:
        return response(cmd, ResponseCode.SUCCESS, this.#topicList());
      default:
        // The 4.9.8 default processor returns null (no response) for codes it does not know.
        return undefined;
    }
  }

  /** `RouteInfoManager.getAllClusterInfo` → `ClusterInfo.encode()`. */
  #clusterInfo(): string {
    // RouteInfoManager's tables are pre-sized: brokerAddrTable `new HashMap(128)` (96 entries
    // before a resize), clusterAddrTable `new HashMap(32)` (24).
    const names = javaHashMapOrder([...this.#brokers.keys()], Math.max(96, this.#maxBrokers));
    const brokers: RouteBrokerData[] = [];
    const clusters = new Map<string, string[]>();
    for (const name of names) {
      const b = this.#brokers.get(name)!;
      brokers.push({
        cluster: b.cluster,
        brokerName: name,
        brokerAddrs: new Map([[0, b.address]]),
      });
    }
    // clusterAddrTable: HashMap<cluster, HashSet<brokerName>>, both filled in registration order.
    for (const b of this.#brokers.values()) {
      const set = clusters.get(b.cluster);
      if (set) set.push(b.brokerName);
      else clusters.set(b.cluster, [b.brokerName]);
    }
    return serializeClusterInfo({
      brokers,
      clusters: javaHashMapOrder([...clusters.keys()], 24).map((c) => [
        c,
        javaHashMapOrder(clusters.get(c)!),
      ]),
    });
  }

  /** `RouteInfoManager.getAllTopicList`: a new HashSet filled from topicQueueTable's key set. */
  #topicList(): string {
    // topicQueueTable is `new HashMap(1024)` (768 entries before a resize).
    const table = javaHashMapOrder([...this.#topics.keys()], Math.max(768, this.#maxTopics));
    return serializeTopicList(javaHashMapOrder(table));
  }

  #kvRequest(cmd: RemotingCommand): RemotingCommand {
    const e = cmd.extFields ?? {};
    const missing = e.namespace === undefined
      ? "namespace"
      : e.key === undefined
      ? "key"
      : cmd.code === NamesrvCode.PUT_KV_CONFIG && e.value === undefined
      ? "value"
      : undefined;
    if (missing) return nullField(cmd, missing);
    if (cmd.code === NamesrvCode.PUT_KV_CONFIG) {
      this.putKVConfig(e.namespace, e.key, e.value);
      return response(cmd, ResponseCode.SUCCESS);
    }
    if (cmd.code === NamesrvCode.DELETE_KV_CONFIG) {
      this.deleteKVConfig(e.namespace, e.key);
      return response(cmd, ResponseCode.SUCCESS);
    }
    const value = this.getKVConfig(e.namespace, e.key);
    // A response header class (GetKVConfigResponseHeader) always yields an extFields map.
    const res = response(cmd, value === undefined ? QUERY_NOT_FOUND : ResponseCode.SUCCESS);
    res.extFields = value === undefined ? {} : { value };
    if (value === undefined) res.remark = `No config item, Namespace: ${e.namespace} Key: ${e.key}`;
    return res;
  }

  /** `RouteInfoManager.unregisterBroker`: drops the broker id; a broker left empty disappears. */
  #unregisterRequest(cmd: RemotingCommand): RemotingCommand {
    const e = cmd.extFields ?? {};
    for (const f of ["brokerName", "brokerAddr", "clusterName", "brokerId"]) {
      if (e[f] === undefined) return nullField(cmd, f);
    }
    if (!/^-?\d+$/.test(e.brokerId)) {
      return response(
        cmd,
        ResponseCode.SYSTEM_ERROR,
        undefined,
        `java.lang.NumberFormatException: For input string: "${e.brokerId}"`,
      );
    }
    // Embedded brokers are masters only (id 0): removing id 0 empties the broker's address map.
    if (Number(e.brokerId) === 0 && this.#brokers.has(e.brokerName)) {
      this.unregisterBroker(e.brokerName);
    }
    return response(cmd, ResponseCode.SUCCESS);
  }

  #routeRequest(cmd: RemotingCommand): RemotingCommand {
    const topic = cmd.extFields?.topic;
    if (topic === undefined) return nullField(cmd, "topic");
    const route = this.route(topic);
    if (!route) {
      return response(
        cmd,
        ResponseCode.TOPIC_NOT_EXIST,
        undefined,
        `No topic route info in name server for the topic: ${topic}\n` +
          "See http://rocketmq.apache.org/docs/faq/ for further details.",
      );
    }
    const standard = cmd.version >= MQVersion.V4_9_4 ||
      cmd.extFields?.acceptStandardJsonOnly === "true";
    return response(cmd, ResponseCode.SUCCESS, serializeRoute(route, standard));
  }
}

/** A response in the request's serialize type, as the 4.9.8 name server writes it. */
function response(
  cmd: RemotingCommand,
  code: number,
  body?: string,
  remark?: string,
): RemotingCommand {
  const res: RemotingCommand = {
    code,
    language: LanguageCode.JAVA,
    version: MQVersion.V4_9_8,
    opaque: cmd.opaque,
    flag: 0,
    serializeType: cmd.serializeType,
  };
  if (body !== undefined) res.body = encoder.encode(body);
  if (remark !== undefined) res.remark = remark;
  return res;
}

/** A required (`@CFNotNull`) header field was absent. */
function nullField(cmd: RemotingCommand, field: string): RemotingCommand {
  return response(cmd, ResponseCode.SYSTEM_ERROR, undefined, `the custom field <${field}> is null`);
}

/**
 * Start an embedded name server on 127.0.0.1.
 *
 * @param options fixed port (default: a free one)
 * @returns the running server's handle
 */
export async function startNameServer(options?: NameServerOptions): Promise<NameServerHandle> {
  const ns = new NameServer(options);
  await ns.start();
  return ns;
}
