/**
 * The client instance shared by every producer with the same clientId (Java `MQClientInstance`):
 * route table, broker address table, producer table, name-server access, heartbeats and the
 * periodic tasks. Producers get one through {@link getOrCreateClientInstance} (manager.ts).
 *
 * @module
 */

import { LanguageCode, MQVersion } from "../remoting/codes.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { TopicRouteData } from "../route/topic-route.ts";
import type { MessageCodec } from "./_codec.ts";
import { UniqIdGenerator } from "../codec/message-id.ts";
import { fetchNameServerAddresses, NameServerList } from "./name-server.ts";
import type { ProducerInner, RemotingLike } from "./types.ts";
import type { ClientEventMap } from "./events.ts";
import { logClientEvent } from "./event-log.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import type { RpcHooks } from "../remoting/rpc-hook.ts";
import { PeriodicTask } from "./timers.ts";
import { cleanOfflineBrokers, fetchTopicRoute, installTopicRoute } from "./route-refresh.ts";
import {
  CLIENT_INNER_PRODUCER,
  heartbeatBody,
  sendHeartbeats,
  unregisterClient,
} from "./heartbeat.ts";

/** Per-broker timeout of the inner producer's UNREGISTER_CLIENT at shutdown. */
const INNER_UNREGISTER_TIMEOUT_MS = 1000;

/** Java `MQClientAPIImpl` default timeout for name-server and admin calls. */
const API_TIMEOUT_MS = 3000;
/** Java first heartbeat delay. */
const FIRST_HEARTBEAT_MS = 1000;

/** Configuration of a client instance (from the options of the producer that created it). */
export interface ClientInstanceConfig {
  /** `ip@instanceName[@unitName]`. */
  clientId: string;
  /** This client's IP (for UNIQ_KEY and hook contexts). */
  clientIP: string;
  /** Name-server addresses (may be empty when an address server is configured). */
  nameServer: string[];
  /** Address server, if any. */
  addressServerUrl: string | undefined;
  /** Address-server poll interval. */
  addressServerPollIntervalMs: number;
  /** Route refresh interval. */
  pollNameServerIntervalMs: number;
  /** Heartbeat interval. */
  heartbeatIntervalMs: number;
  /** Header encoding of requests: 0 JSON, 1 ROCKETMQ. */
  serializeType: 0 | 1;
  /** The remoting client (owned: closed with the instance). */
  remoting: RemotingLike;
  /** The default codec (owned: closed with the instance). */
  codec: MessageCodec;
  /** This process's id (UNIQ_KEY). */
  pid: number;
  /** Order of creation (Java `instanceIndex`). */
  instanceIndex?: number;
  /** Where the instance logs (the creating producer's logger); default `createLogger()`. */
  logger?: Logger;
  /** The RPC hooks its remoting client runs (the creating producer's), if any. */
  rpcHooks?: RpcHooks;
}

/** Lifecycle of a client instance. */
export type ClientInstanceState = "CREATE_JUST" | "RUNNING" | "START_FAILED" | "SHUTDOWN_ALREADY";

function ipv4Bytes(ip: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (m === null) return undefined;
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) return undefined;
    b[i] = v;
  }
  return b;
}

/** One shared client: tables, name-server access, heartbeats, timers. */
export class ClientInstance {
  /** `ip@instanceName[@unitName]`. */
  readonly clientId: string;
  /** This client's IP. */
  readonly clientIP: string;
  /** The default codec of producers on this instance. */
  readonly codec: MessageCodec;
  /** Client message-id generator (one per instance; the Java one is per process). */
  readonly uniqIds: UniqIdGenerator;
  /** Remoting client. */
  readonly remoting: RemotingLike;
  /** Name servers. */
  readonly nameServers: NameServerList;
  /** Header encoding of requests. */
  readonly serializeType: 0 | 1;
  /** topic → last route seen (Java `topicRouteTable`). */
  readonly topicRouteTable: Map<string, TopicRouteData> = new Map();
  /** brokerName → brokerId → address (Java `brokerAddrTable`). */
  readonly brokerAddrTable: Map<string, Record<string, string>> = new Map();
  /** group → producer (Java `producerTable`). */
  readonly producerTable: Map<string, ProducerInner> = new Map();
  /** brokerName → address → protocol version seen in heartbeat responses (Java `brokerVersionTable`). */
  readonly brokerVersionTable: Map<string, Map<string, number>> = new Map();
  /** Creation time (Java `bootTimestamp`). */
  readonly bootTimestamp: number = Date.now();
  /** Order of creation among instances of this process (Java `instanceIndex`). */
  readonly instanceIndex: number;
  /** Heartbeat rounds sent (Java `sendHeartbeatTimesTotal`). */
  heartbeatRounds = 0;
  /** Where this instance logs (namespace `<root>.client`). */
  readonly logger: Logger;
  /** The RPC hooks of every request of this instance (those of the producer that created it). */
  readonly rpcHooks: RpcHooks | undefined;

  #state: ClientInstanceState = "CREATE_JUST";
  #starting: Promise<void> | undefined;
  readonly #config: ClientInstanceConfig;
  readonly #inflightRoutes = new Map<string, Promise<boolean>>();
  #heartbeat: Promise<void> | undefined;
  readonly #tasks: PeriodicTask[] = [];

  /**
   * Create the instance (not started).
   *
   * @param config configuration
   */
  constructor(config: ClientInstanceConfig) {
    this.#config = config;
    this.logger = (config.logger ?? createLogger()).child("client");
    this.clientId = config.clientId;
    this.instanceIndex = config.instanceIndex ?? 0;
    this.clientIP = config.clientIP;
    this.codec = config.codec;
    this.remoting = config.remoting;
    this.rpcHooks = config.rpcHooks;
    this.serializeType = config.serializeType;
    this.uniqIds = new UniqIdGenerator({ ip: ipv4Bytes(config.clientIP), pid: config.pid });
    this.nameServers = new NameServerList(
      config.remoting,
      config.nameServer,
      (from, to, error) => this.emit("client.namesrv.failover", { from, to, error }),
    );
  }

  /** Lifecycle state. */
  get state(): ClientInstanceState {
    return this.#state;
  }

  /** Log an event (once) and send it to every producer on this instance. */
  emit<K extends keyof ClientEventMap>(type: K, detail: ClientEventMap[K]): void {
    logClientEvent(this.logger, type, detail);
    for (const p of this.producerTable.values()) p.emit(type, detail);
  }

  /**
   * Build a request with this client's language, version and header encoding.
   *
   * @param code request code
   * @param extFields header fields (strings)
   * @param body body bytes
   * @returns the request
   */
  request(code: number, extFields?: Record<string, string>, body?: Uint8Array): RemotingCommand {
    return {
      code,
      language: LanguageCode.OTHER,
      version: MQVersion.V4_9_4,
      opaque: 0,
      flag: 0,
      extFields,
      body,
      serializeType: this.serializeType,
    };
  }

  /**
   * Register a producer group (Java `registerProducer`).
   *
   * @param group group with namespace
   * @param producer the producer
   * @returns false when the group is already registered on this instance
   */
  registerProducer(group: string, producer: ProducerInner): boolean {
    if (this.producerTable.has(group)) return false;
    this.producerTable.set(group, producer);
    return true;
  }

  /**
   * Start the instance once: fetch name servers from the address server if needed, then start the
   * periodic tasks. Later calls share the first call's promise.
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#state = "START_FAILED";
    const cfg = this.#config;
    // Java polls the address server only when no name-server address was configured.
    if (cfg.addressServerUrl !== undefined && cfg.nameServer.length === 0) {
      await this.fetchNameServerAddr();
      this.#tasks.push(
        new PeriodicTask(
          Math.min(10_000, cfg.addressServerPollIntervalMs),
          cfg.addressServerPollIntervalMs,
          () => this.fetchNameServerAddr(),
        ),
      );
    }
    this.#tasks.push(
      new PeriodicTask(
        Math.min(10, cfg.pollNameServerIntervalMs),
        cfg.pollNameServerIntervalMs,
        () => this.updateTopicRouteInfoFromNameServerAll(),
      ),
      new PeriodicTask(
        Math.min(FIRST_HEARTBEAT_MS, cfg.heartbeatIntervalMs),
        cfg.heartbeatIntervalMs,
        async () => {
          this.cleanOfflineBroker();
          await this.sendHeartbeatToAllBroker();
        },
      ),
    );
    if (this.#state === "START_FAILED") this.#state = "RUNNING";
  }

  /** Poll the address server once; never throws (failures become events). */
  async fetchNameServerAddr(): Promise<void> {
    const url = this.#config.addressServerUrl;
    if (url === undefined) return;
    try {
      const list = await fetchNameServerAddresses(url, API_TIMEOUT_MS);
      if (list.length > 0 && this.nameServers.update(list)) {
        this.emit("client.namesrv.changed", { addresses: list });
      }
    } catch (error) {
      this.emit("client.namesrv.fetch.failed", { url, error });
    }
  }

  /** Refresh the route of every topic any producer uses (the periodic task). */
  async updateTopicRouteInfoFromNameServerAll(): Promise<void> {
    const topics = new Set<string>();
    for (const p of this.producerTable.values()) for (const t of p.publishTopics()) topics.add(t);
    await Promise.all([...topics].map((t) => this.updateTopicRouteInfoFromNameServer(t)));
  }

  /**
   * Fetch a topic's route and, when it changed (or a producer lacks usable publish info), install
   * it: broker addresses, publish info of every producer, route table
   * (Java `updateTopicRouteInfoFromNameServer`). Concurrent calls for one topic share a request.
   *
   * @param topic topic (namespace applied)
   * @param useDefault fetch `createTopicKey`'s route instead, with queue numbers capped at `defaultQueueNums`
   * @param createTopicKey the template topic
   * @param defaultQueueNums queue count for auto-created topics
   * @returns true when the route was installed
   * @throws transport errors of the name servers (the periodic task swallows them)
   */
  updateTopicRouteInfoFromNameServer(
    topic: string,
    useDefault = false,
    createTopicKey = "TBW102",
    defaultQueueNums = 4,
  ): Promise<boolean> {
    const key = useDefault ? `${topic}\u0000${createTopicKey}\u0000${defaultQueueNums}` : topic;
    let p = this.#inflightRoutes.get(key);
    if (p === undefined) {
      p = this.#updateRoute(topic, useDefault, createTopicKey, defaultQueueNums).finally(() =>
        this.#inflightRoutes.delete(key)
      );
      this.#inflightRoutes.set(key, p);
    }
    return p;
  }

  async #updateRoute(
    topic: string,
    useDefault: boolean,
    createTopicKey: string,
    defaultQueueNums: number,
  ): Promise<boolean> {
    const route = await this.getTopicRouteInfoFromNameServer(useDefault ? createTopicKey : topic);
    return installTopicRoute(this, topic, route, useDefault ? defaultQueueNums : undefined);
  }

  /**
   * GET_ROUTEINFO_BY_TOPIC (105), standard JSON requested, parsed tolerantly anyway.
   *
   * @param topic topic
   * @param timeoutMs per-name-server timeout
   * @returns the route, or undefined on TOPIC_NOT_EXIST
   * @throws ConnectionError/TimeoutError when no name server answered; BrokerError on other codes
   */
  async getTopicRouteInfoFromNameServer(
    topic: string,
    timeoutMs = API_TIMEOUT_MS,
  ): Promise<TopicRouteData | undefined> {
    return await fetchTopicRoute(this, topic, timeoutMs);
  }

  /**
   * Master address of a broker (Java `findBrokerAddressInPublish`).
   *
   * @param brokerName broker name
   * @returns `host:port` of broker id 0, if known
   */
  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.brokerAddrTable.get(brokerName)?.["0"];
  }

  /** Drop broker addresses no route mentions any more (Java `cleanOfflineBroker`). */
  cleanOfflineBroker(): void {
    cleanOfflineBrokers(this);
  }

  /** JSON heartbeat body, exactly as Java `HeartbeatData` encodes it, plus the inner group. */
  heartbeatBody(): Uint8Array {
    return heartbeatBody(this.clientId, this.producerTable.keys());
  }

  /** HEART_BEAT to every master broker (producer-only clients skip slaves); failures are events. */
  sendHeartbeatToAllBroker(): Promise<void> {
    if (this.producerTable.size === 0 || this.#state === "SHUTDOWN_ALREADY") {
      return Promise.resolve();
    }
    // Java lockHeartbeat: one round at a time; a caller during a round shares it.
    this.#heartbeat ??= sendHeartbeats(this, this.heartbeatBody(), API_TIMEOUT_MS).finally(() => {
      this.heartbeatRounds++;
      this.#heartbeat = undefined;
    });
    return this.#heartbeat;
  }

  /**
   * Record a broker's version from a heartbeat response (Java `brokerVersionTable`).
   *
   * @param brokerName broker name
   * @param address broker address
   * @param version the response's `version`
   */
  recordBrokerVersion(brokerName: string, address: string, version: number): void {
    let byAddr = this.brokerVersionTable.get(brokerName);
    if (byAddr === undefined) this.brokerVersionTable.set(brokerName, byAddr = new Map());
    byAddr.set(address, version);
  }

  /**
   * A broker's protocol version as last seen, or 0 (Java `findBrokerVersion`).
   *
   * @param brokerName broker name
   * @param address broker address
   * @returns the version ordinal
   */
  findBrokerVersion(brokerName: string, address: string): number {
    return this.brokerVersionTable.get(brokerName)?.get(address) ?? 0;
  }

  /**
   * UNREGISTER_CLIENT to every known broker address, masters and slaves, and drop the group
   * (Java `unregisterProducer`). Failures are ignored: the broker expires us after 120 s anyway.
   *
   * @param group group to remove
   * @param timeoutMs per-broker timeout
   */
  async unregisterProducer(group: string, timeoutMs: number): Promise<void> {
    this.producerTable.delete(group);
    await unregisterClient(this, group, timeoutMs);
  }

  /**
   * Stop the instance: clear timers, close sockets and the default codec. Called by the manager
   * when the last producer left.
   *
   * @param budgetMs longest wait for the inner producer's unregister (default 1000)
   */
  async shutdown(budgetMs = INNER_UNREGISTER_TIMEOUT_MS): Promise<void> {
    if (this.#state === "SHUTDOWN_ALREADY") return;
    this.#state = "SHUTDOWN_ALREADY";
    const runs = this.#tasks.map((t) => t.stop());
    this.#tasks.length = 0;
    // Java's MQClientInstance.shutdown() also shuts its inner producer down, which unregisters
    // CLIENT_INNER_PRODUCER from every broker address while the address table is still filled.
    await unregisterClient(
      this,
      CLIENT_INNER_PRODUCER,
      Math.min(budgetMs, INNER_UNREGISTER_TIMEOUT_MS),
    );
    // Closing never fails the shutdown: sockets and workers are gone either way. Closing the
    // remoting client first fails any request a task is waiting on, so the runs settle at once.
    await this.remoting.close().catch(() => undefined);
    await Promise.all(runs);
    await Promise.all([...this.#inflightRoutes.values()].map((p) => p.catch(() => undefined)));
    await this.codec.close().catch(() => undefined);
  }
}
