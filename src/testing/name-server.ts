/**
 * The embedded name server: answers GET_ROUTEINFO_BY_TOPIC (105) like a 4.9.8 name server, from
 * the topics its brokers register (in-process calls, no REGISTER_BROKER frames).
 *
 * @module
 */

import type { RemotingCommand } from "../remoting/command.ts";
import { LanguageCode, MQVersion, RequestCode, ResponseCode } from "../remoting/codes.ts";
import { javaHashMapOrder } from "./_java-order.ts";
import { type RouteData, type RouteQueueData, serializeRoute } from "./route-json.ts";
import { FrameServer } from "./server.ts";

const encoder = new TextEncoder();

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
  /** Set (or clear with `undefined`) the `orderTopicConf` of a topic (`"broker-a:4;broker-b:4"`). */
  setOrderTopicConf(topic: string, conf: string | undefined): void;
  /** The route the server would answer for `topic`, or `undefined` (TOPIC_NOT_EXIST). */
  route(topic: string): RouteData | undefined;
  /** How many requests with this code were received (answered or not). */
  requestCount(code: number): number;
  /** Close every client connection. */
  dropConnections(): void;
  /** Stop listening and close connections; the registered routes are kept. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
}

class NameServer implements NameServerHandle {
  readonly server: FrameServer;
  #brokers = new Map<string, RegisteredBroker>();
  /** topic → brokerName → queue data; Map insertion order stands in for Java's put order. */
  #topics = new Map<string, Map<string, RouteQueueData>>();
  #orderConf = new Map<string, string>();

  constructor(options?: NameServerOptions) {
    this.server = new FrameServer((cmd) => this.#handle(cmd), { port: options?.port });
  }

  get address(): string {
    return this.server.address;
  }
  get port(): number {
    return this.server.port;
  }
  get running(): boolean {
    return this.server.running;
  }
  setLatency(ms: number): void {
    this.server.latencyMs = ms;
  }
  blackhole(on: boolean): void {
    this.server.blackholed = on;
  }
  dropConnections(): void {
    this.server.dropConnections();
  }
  stop(): Promise<void> {
    return this.server.stop();
  }
  start(): Promise<void> {
    return this.server.start();
  }

  registerBroker(broker: RegisteredBroker, topics: Iterable<RegisteredTopic>): void {
    this.#brokers.set(broker.brokerName, { ...broker });
    const seen = new Set<string>();
    for (const t of topics) {
      seen.add(t.topic);
      let byBroker = this.#topics.get(t.topic);
      if (!byBroker) this.#topics.set(t.topic, byBroker = new Map());
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
    if (conf === undefined) this.#orderConf.delete(topic);
    else this.#orderConf.set(topic, conf);
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
    const conf = this.#orderConf.get(topic);
    if (conf !== undefined) route.orderTopicConf = conf;
    return route;
  }

  requestCount(code: number): number {
    return this.server.counts.get(code) ?? 0;
  }

  #handle(cmd: RemotingCommand): RemotingCommand | undefined {
    // The 4.9.8 name server's default processor returns nothing for codes it does not know.
    if (cmd.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC) return undefined;
    const topic = cmd.extFields?.topic;
    const response: RemotingCommand = {
      code: ResponseCode.SUCCESS,
      language: LanguageCode.JAVA,
      version: MQVersion.V4_9_8,
      opaque: cmd.opaque,
      flag: 0,
      serializeType: cmd.serializeType,
    };
    if (topic === undefined) {
      response.code = ResponseCode.SYSTEM_ERROR;
      response.remark = "the custom field <topic> is null";
      return response;
    }
    const route = this.route(topic);
    if (!route) {
      response.code = ResponseCode.TOPIC_NOT_EXIST;
      response.remark = `No topic route info in name server for the topic: ${topic}\n` +
        "See http://rocketmq.apache.org/docs/faq/ for further details.";
      return response;
    }
    const standard = cmd.version >= MQVersion.V4_9_4 ||
      cmd.extFields?.acceptStandardJsonOnly === "true";
    response.body = encoder.encode(serializeRoute(route, standard));
    return response;
  }
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
