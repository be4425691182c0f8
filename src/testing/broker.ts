/**
 * The embedded broker: stores sends in memory and answers like a 4.9.8 broker master (Java
 * `SendMessageProcessor`; checked against exchanges recorded from 4.9.8 in tests/fixtures), with
 * inspection and fault injection for tests.
 *
 * @module
 */

import { createOffsetMessageId } from "../codec/message-id.ts";
import { ValidationError } from "../errors.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import { LanguageCode, MQVersion, PermName } from "../remoting/codes.ts";
import { type NameServerHandle, ORDER_TOPIC_CONFIG } from "./name-server.ts";
import { FrameServer, FrameServerHandle, type ReceivedRequest } from "./server.ts";
import {
  pushReply,
  type PushResult,
  type ReplyOptions,
  sendCheckTransaction,
  ServerRequests,
} from "./broker-push.ts";
import { MessageLog, type RawRecord, type StoredMessage, type TopicConfig } from "./store.ts";
import { type BrokerSession, recordToMessage } from "./broker-send.ts";
import { type ClientRecord, ClientRegistry, type EndTransactionRecord } from "./broker-clients.ts";
import { dispatchRequest } from "./_broker_dispatch.ts";

export type {
  ClientRecord,
  EndTransactionRecord,
  PushResult,
  ReplyOptions,
  StoredMessage,
  TopicConfig,
};

/** A topic to create on a broker. */
export interface TopicOptions {
  /** Read and write queue count (default 4). */
  queues?: number;
  /** Read queue count (default `queues`). */
  readQueues?: number;
  /** Write queue count (default `queues`). */
  writeQueues?: number;
  /** Permission bits (default 6 = read/write; 4 = read-only). */
  perm?: number;
}

/** Options of {@link startBroker}. */
export interface BrokerOptions {
  /** Broker name (default `"broker-a"`). */
  name?: string;
  /** Cluster name (default `"DefaultCluster"`). */
  clusterName?: string;
  /** Fixed port; 0 or absent picks a free one. */
  port?: number;
  /** Name server(s) to register with (in-process). */
  nameServers?: NameServerHandle[];
  /** Create topics on first send through TBW102 (default true). */
  autoCreateTopicEnable?: boolean;
  /** Response `MSG_REGION` (default `"DefaultRegion"`). */
  regionId?: string;
  /** Response `TRACE_ON` (default true). */
  traceOn?: boolean;
  /** Keep at most this many stored messages (oldest dropped; default unlimited). */
  maxStoredMessages?: number;
  /** Topics to create at start. */
  topics?: Array<TopicOptions & { name: string }>;
  /**
   * Refuse sends to a topic whose perm lacks WRITE (NO_PERMISSION). A 4.9.8 broker does not: topic
   * perm only reaches the route, where clients skip non-writable queues. Default false.
   */
  enforceTopicPerm?: boolean;
  /** `brokerPermission` (default 6 = read/write); see {@link BrokerHandle.setBrokerPermission}. */
  brokerPermission?: number;
}

/** Handle on a running embedded broker. */
export interface BrokerHandle {
  /** Broker name. */
  readonly name: string;
  /** Cluster name. */
  readonly clusterName: string;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Listening port (kept across stop/start). */
  readonly port: number;
  /** True while listening. */
  readonly running: boolean;
  /** Open client connections. */
  readonly connectionCount: number;
  /** Create (or update) a topic and register it with the name servers. */
  createTopic(topic: string, options?: TopicOptions): TopicConfig;
  /** Delete a topic and re-register. */
  deleteTopic(topic: string): void;
  /**
   * Change a topic's permission (e.g. 4 = read-only) and re-register; ValidationError if absent.
   * Like 4.9.8, sends are still stored unless the broker has `enforceTopicPerm`.
   */
  setTopicPerm(topic: string, perm: number): void;
  /** The broker's own permission (`brokerPermission`, default 6). */
  readonly brokerPermission: number;
  /**
   * Set `brokerPermission` and re-register, as `updateBrokerConfig` does in 4.9.8: without READ or
   * WRITE every topic registers with this perm, and sends to order topics (those in the name
   * server's ORDER_TOPIC_CONFIG) get NO_PERMISSION `the broker[<ip>] sending message is forbidden`.
   */
  setBrokerPermission(perm: number): void;
  /** The topic's config, if it exists. */
  topicConfig(topic: string): TopicConfig | undefined;
  /** Names of all topics (including TBW102 when auto-create is on). */
  topics(): string[];
  /** Stored messages, decoded, oldest first; only those of `topic` when given. */
  messages(topic?: string): StoredMessage[];
  /** Number of messages stored since start (not limited by retention). */
  readonly storedCount: number;
  /** Forget stored messages (offsets keep counting). */
  clearMessages(): void;
  /** Call `listener` after each stored message; returns the unsubscribe function. */
  onMessage(listener: (message: StoredMessage) => void): () => void;
  /** Clients seen through HEART_BEAT or UNREGISTER_CLIENT, with their groups. */
  clients(): ClientRecord[];
  /** Producer groups currently registered by some client. */
  producerGroups(): string[];
  /** END_TRANSACTION requests received, in order. */
  endTransactions(): EndTransactionRecord[];
  /** Requests received with this code (including one-way and blackholed ones). */
  requestCount(code: number): number;
  /** All request counts by code. */
  requestCounts(): Map<number, number>;
  /** The last request received with this code: header fields and body as decoded (copies). */
  lastRequest(code: number): ReceivedRequest | undefined;
  /** Add `ms` of latency before every response. */
  setLatency(ms: number): void;
  /** Answer the next `n` sends with `code` (10/11/12 still store the message, like a real broker). */
  failNextSends(n: number, code: number, remark?: string): void;
  /** Close every client connection now. */
  dropConnections(): void;
  /** Accept and read, never answer (on) or behave normally again (off). */
  blackhole(on: boolean): void;
  /**
   * Send CHECK_TRANSACTION_STATE (39, one-way) for a stored half message to a connection of the
   * producer group in its `PGROUP`. Returns false when no such client connection is open.
   */
  checkTransaction(message: StoredMessage): boolean;
  /**
   * Push a reply (PUSH_REPLY_MESSAGE_TO_CLIENT, 326) for a stored request message to the client
   * named by its REPLY_TO_CLIENT (which must have sent a heartbeat on an open connection).
   * Resolves with the client's answer, or `undefined` when there is no such connection.
   */
  pushReply(request: StoredMessage, reply?: ReplyOptions): Promise<PushResult | undefined>;
  /** Stop listening and close connections; unregisters from the name servers unless `keepRoute`. */
  stop(options?: { keepRoute?: boolean }): Promise<void>;
  /** Listen again on the same port and re-register. */
  start(): Promise<void>;
}

/** Response header constants of this broker. */
interface Constants {
  region: string;
  trace: string;
}

class Broker extends FrameServerHandle implements BrokerHandle, BrokerSession {
  readonly name: string;
  readonly clusterName: string;
  override readonly server: FrameServer;
  readonly log: MessageLog;
  readonly topicTable = new Map<string, TopicConfig>();
  readonly autoCreate: boolean;
  readonly consts: Constants;
  readonly clientRegistry = new ClientRegistry();
  readonly listeners = new Set<(m: StoredMessage) => void>();
  failures: Array<{ code: number; remark?: string }> = [];
  msgIdPrefix = "";
  readonly outbound: ServerRequests;
  #nameServers: NameServerHandle[];
  readonly enforceTopicPerm: boolean;
  brokerPermission: number;

  constructor(options: BrokerOptions) {
    super();
    this.enforceTopicPerm = options.enforceTopicPerm ?? false;
    this.brokerPermission = options.brokerPermission ?? (PermName.READ | PermName.WRITE);
    this.name = options.name ?? "broker-a";
    this.clusterName = options.clusterName ?? "DefaultCluster";
    this.autoCreate = options.autoCreateTopicEnable ?? true;
    this.consts = {
      region: options.regionId ?? "DefaultRegion",
      trace: String(options.traceOn ?? true),
    };
    this.#nameServers = options.nameServers ?? [];
    this.log = new MessageLog(options.maxStoredMessages);
    this.server = new FrameServer((cmd, conn) => dispatchRequest(this, cmd, conn), {
      port: options.port,
    });
    this.outbound = new ServerRequests(this.server);
    if (this.autoCreate) {
      // A broker with autoCreateTopicEnable creates TBW102 at startup: perm 7, 8 queues.
      this.topicTable.set("TBW102", {
        topic: "TBW102",
        readQueueNums: 8,
        writeQueueNums: 8,
        perm: 7,
        topicSysFlag: 0,
      });
    }
    // Every 4.9 broker creates <cluster>_REPLY_TOPIC at startup for request-reply.
    this.#putTopic(`${this.clusterName}_REPLY_TOPIC`, { queues: 1 });
    for (const t of options.topics ?? []) this.#putTopic(t.name, t);
  }

  get connectionCount(): number {
    return this.server.connectionCount;
  }
  get storedCount(): number {
    return this.log.totalStored;
  }

  async start(): Promise<void> {
    await this.server.start();
    // offsetMsgId = store IP + port + offset (Java `MessageDecoder.createMessageId`); the hot path appends the offset.
    this.msgIdPrefix = createOffsetMessageId("127.0.0.1", this.port, 0n).slice(0, 16);
    this.register();
  }

  async stop(options?: { keepRoute?: boolean }): Promise<void> {
    if (!options?.keepRoute) { for (const ns of this.#nameServers) ns.unregisterBroker(this.name); }
    await this.server.stop();
  }

  /** Register the whole topic table with every name server (what `registerBrokerAll` does). */
  register(): void {
    if (!this.server.running) return;
    const bp = this.brokerPermission;
    const rw = PermName.READ | PermName.WRITE;
    // registerBrokerAll: a broker lacking READ or WRITE registers every topic with its own perm.
    const topics = (bp & rw) === rw
      ? [...this.topicTable.values()]
      : [...this.topicTable.values()].map((t) => ({ ...t, perm: bp }));
    for (const ns of this.#nameServers) {
      ns.registerBroker(
        { cluster: this.clusterName, brokerName: this.name, address: this.address },
        topics,
      );
    }
  }

  setBrokerPermission(perm: number): void {
    this.brokerPermission = perm;
    this.register();
  }

  /** `TopicConfigManager.isOrderTopic`: order flags come from the name servers' KV table. */
  isOrderTopic(topic: string): boolean {
    return this.topicTable.has(topic) &&
      this.#nameServers.some((ns) => ns.getKVConfig(ORDER_TOPIC_CONFIG, topic) !== undefined);
  }

  #putTopic(topic: string, o: TopicOptions = {}): TopicConfig {
    const q = o.queues ?? 4;
    const tc: TopicConfig = {
      topic,
      readQueueNums: o.readQueues ?? q,
      writeQueueNums: o.writeQueues ?? q,
      perm: o.perm ?? (PermName.READ | PermName.WRITE),
      topicSysFlag: 0,
    };
    this.topicTable.set(topic, tc);
    return tc;
  }

  createTopic(topic: string, options?: TopicOptions): TopicConfig {
    const tc = this.#putTopic(topic, options);
    this.register();
    return { ...tc };
  }

  deleteTopic(topic: string): void {
    this.topicTable.delete(topic);
    this.register();
  }

  setTopicPerm(topic: string, perm: number): void {
    const tc = this.topicTable.get(topic);
    if (!tc) throw new ValidationError("topic", `must exist on ${this.name}, got "${topic}"`);
    tc.perm = perm;
    this.register();
  }

  topicConfig(topic: string): TopicConfig | undefined {
    const tc = this.topicTable.get(topic);
    return tc ? { ...tc } : undefined;
  }

  topics(): string[] {
    return [...this.topicTable.keys()];
  }

  messages(topic?: string): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const r of this.log.records()) {
      if (topic === undefined || r.topic === topic) out.push(recordToMessage(this, r));
    }
    return out;
  }

  clearMessages(): void {
    this.log.clear();
  }

  onMessage(listener: (message: StoredMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clients(): ClientRecord[] {
    return this.clientRegistry.list();
  }

  producerGroups(): string[] {
    return this.clientRegistry.producerGroups();
  }

  endTransactions(): EndTransactionRecord[] {
    return this.clientRegistry.endTransactions.slice();
  }

  requestCount(code: number): number {
    return this.server.counts.get(code) ?? 0;
  }

  requestCounts(): Map<number, number> {
    return new Map(this.server.counts);
  }

  failNextSends(n: number, code: number, remark?: string): void {
    for (let i = 0; i < n; i++) this.failures.push({ code, remark });
  }

  checkTransaction(message: StoredMessage): boolean {
    return sendCheckTransaction(this, message);
  }

  pushReply(request: StoredMessage, reply?: ReplyOptions): Promise<PushResult | undefined> {
    return pushReply(this, request, reply);
  }

  /** A response with the broker's constant header values. */
  response(code: number, remark?: string, extFields?: Record<string, string>): RemotingCommand {
    return {
      code,
      language: LanguageCode.JAVA,
      version: MQVersion.V4_9_8,
      opaque: 0,
      flag: 0,
      remark,
      extFields,
      serializeType: 0,
    };
  }

  /** Tell `onMessage` listeners about a stored record. */
  notify(r: RawRecord): void {
    if (this.listeners.size === 0) return;
    const m = recordToMessage(this, r);
    for (const l of this.listeners) l(m);
  }
}

/**
 * Start an embedded broker master on 127.0.0.1.
 *
 * @param options name, port, name servers, topics, auto-create
 * @returns the running broker's handle
 */
export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const b = new Broker(options);
  await b.start();
  return b;
}

export type { Broker };
