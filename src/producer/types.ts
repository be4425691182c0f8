/**
 * Public types of the producer: messages, send results, options, hooks and the trace seam
 * (docs/ARCHITECTURE.md, "Producer public API").
 *
 * @module
 */

import type { MessageQueue } from "../route/message-queue.ts";
import type { Transport } from "../transport/types.ts";
import type { MessageCodec } from "../client/_codec.ts";
import type { Logger } from "../log/logger.ts";
import type { RpcHook } from "../remoting/rpc-hook.ts";

export type { MessageQueue };

/** A message to send. */
export interface Message {
  /** Topic, without namespace. */
  topic: string;
  /** Body; strings are UTF-8 encoded. Must not be empty. */
  body: Uint8Array | string;
  /** Single tag (TAGS property), used by consumers to filter. */
  tags?: string;
  /** Index keys (KEYS property); arrays are joined with one space. */
  keys?: string | string[];
  /** User flag (int32), stored with the message. */
  flag?: number;
  /**
   * Delay level 1..18 (DELAY property): 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h
   * with the broker's default `messageDelayLevel`; 0 means no delay; 19 and above are refused
   * with a ValidationError.
   */
  delayTimeLevel?: number;
  /** WAIT property; default true. */
  waitStoreMsgOK?: boolean;
  /** User properties; reserved names are rejected with a ValidationError. */
  properties?: Record<string, string>;
  /**
   * Ordering key: without `queue` or `selector` in the send options, the queue is chosen as Java's
   * `SelectMessageQueueByHash` chooses it for this key (`abs(key.hashCode() % queues)`, with
   * Java's `hashCode` of a `String`, `Integer` or `Long`), and the send stays on that queue (no
   * broker switching), like Java's `send(msg, selector, arg)`. A string, a safe integer or a
   * bigint. Client-side only: not stored with the message.
   */
  shardingKey?: string | number | bigint;
  /** Internal: marks a transaction half message (TRAN_MSG / PGROUP, sysFlag 0x4). */
  transactionPrepared?: boolean;
}

/** Outcome of a stored message. Anything but SEND_OK means "stored, but not as safely as asked". */
export type SendStatus =
  | "SEND_OK"
  | "FLUSH_DISK_TIMEOUT"
  | "FLUSH_SLAVE_TIMEOUT"
  | "SLAVE_NOT_AVAILABLE";

/** What a broker answered to a stored send. */
export interface SendResult {
  /** Storage outcome. */
  status: SendStatus;
  /** Client message id (UNIQ_KEY); for a batch the ids joined with ",". */
  msgId: string;
  /** Broker message id (store host + commit-log offset); for a batch comma-joined. */
  offsetMsgId: string;
  /** Queue the message went to; topic without namespace. */
  queue: MessageQueue;
  /** Consume-queue offset (first message of a batch). */
  queueOffset: number;
  /** Broker region, "DefaultRegion" when absent. */
  regionId: string;
  /** Broker trace switch. */
  traceOn: boolean;
  /** Transaction id (5.x brokers only). */
  transactionId?: string;
}

/** Chooses a queue for ordered sends (Java `MessageQueueSelector`). */
export type QueueSelector = (
  queues: readonly MessageQueue[],
  message: Message,
  arg: unknown,
) => MessageQueue;

/** Per-send options. */
export interface SendOptions {
  /** Total time budget across every attempt; default `options.sendTimeoutMs`. */
  timeoutMs?: number;
  /** Aborts the send (AbortedError). */
  signal?: AbortSignal;
  /** Explicit queue: one attempt, no broker switch (Java `send(msg, mq)`). */
  queue?: MessageQueue;
  /** Queue selector for ordered sends (Java `send(msg, selector, arg)`): no retry elsewhere. */
  selector?: QueueSelector;
  /** Argument passed to the selector. */
  arg?: unknown;
}

/** Callback of {@link Producer.sendAsync}; exactly one method is called, once. */
export interface SendCallback {
  /** The broker stored the message. */
  onSuccess(result: SendResult): void;
  /** The send failed after its attempts. */
  onException(error: Error): void;
}

/** How a message is being sent, as hooks see it. */
export type CommunicationMode = "SYNC" | "ASYNC" | "ONEWAY";

/** Context of {@link ProducerHooks.checkForbidden} (Java `CheckForbiddenContext`). */
export interface CheckForbiddenContext {
  /** Name-server addresses in use. */
  nameServer: string;
  /** Producer group (with namespace). */
  group: string;
  /** Send mode. */
  communicationMode: CommunicationMode;
  /** Broker address the message goes to. */
  brokerAddr: string;
  /** The message as the caller gave it. */
  message: Message;
  /** Target queue (topic with namespace). */
  queue: MessageQueue;
  /** Always false: unit mode is not supported. */
  unitMode: boolean;
}

/** Kind of message, as hooks see it (Java `MessageType`). */
export type MessageType = "Normal_Msg" | "Trans_Msg_Half" | "Delay_Msg";

/** Context of the send-message hooks (Java `SendMessageContext`). */
export interface SendMessageContext {
  /** Producer group (with namespace). */
  producerGroup: string;
  /** Send mode. */
  communicationMode: CommunicationMode;
  /** This client's IP. */
  bornHost: string;
  /** Broker address the message goes to. */
  brokerAddr: string;
  /** The message as the caller gave it. */
  message: Message;
  /** Target queue (topic with namespace). */
  queue: MessageQueue;
  /** Namespace, if configured. */
  namespace?: string;
  /** Message kind. */
  msgType: MessageType;
  /** Set for `sendMessageAfter` when the broker answered. */
  sendResult?: SendResult;
  /** Set for `sendMessageAfter` when the attempt failed. */
  exception?: Error;
}

/** Hooks around each send attempt (Java CheckForbiddenHook / SendMessageHook). */
export interface ProducerHooks {
  /** Throw to refuse the send before it leaves. */
  checkForbidden?(ctx: CheckForbiddenContext): void;
  /** Called before each attempt is written. Errors are reported as events and ignored. */
  sendMessageBefore?(ctx: SendMessageContext): void;
  /** Called after each attempt with its result or exception. Errors are reported and ignored. */
  sendMessageAfter?(ctx: SendMessageContext): void;
}

/** Message-trace seam (Java `TraceDispatcher`), started and stopped with the producer. */
export interface TraceDispatcher {
  /** Called at the end of `start()`; a failure is reported as an event, not fatal. */
  start(nameServer: string[]): Promise<void> | void;
  /** Called during `shutdown()`. */
  shutdown(): Promise<void> | void;
}

/** Options of a {@link Producer}; defaults follow the Java client. */
export interface ProducerOptions {
  /** Producer group (validated like a topic name, ≤ 255 characters). */
  group: string;
  /** Name-server addresses, "h:p;h:p" or an array. */
  nameServer?: string | string[];
  /** HTTP address server polled for name-server addresses (body "h:p;h:p"); used only without `nameServer`, as Java. */
  addressServerUrl?: string;
  /** How often the address server is polled; default 120000. */
  addressServerPollIntervalMs?: number;
  /** Namespace prepended to topics and the group as `ns%name`. */
  namespace?: string;
  /** Total budget of a send across its retries; default 3000. */
  sendTimeoutMs?: number;
  /** Extra attempts of an awaited send; default 2. */
  retryTimesWhenSendFailed?: number;
  /** Extra attempts of `sendAsync` on transport failures; default 2. */
  retryTimesWhenSendAsyncFailed?: number;
  /** Retry another broker when the status is not SEND_OK; default false. */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /** Compress single bodies of at least this many bytes; default 4096. */
  compressOver?: number;
  /** zlib level 0..9; default 5. */
  compressLevel?: number;
  /** Largest body (batch: encoded batch); default 4 MiB. */
  maxMessageSize?: number;
  /** Queues of auto-created topics; default 4. */
  defaultTopicQueueNums?: number;
  /** Template topic for auto-creation; default "TBW102". */
  createTopicKey?: string;
  /** Avoid slow or failing brokers for a while; default false. */
  sendLatencyFaultEnable?: boolean;
  /** Latency steps of the fault strategy (ms). */
  latencyMax?: number[];
  /** Isolation per latency step (ms). */
  notAvailableDuration?: number[];
  /** Route refresh interval; default 30000. */
  pollNameServerIntervalMs?: number;
  /** Heartbeat interval; default 30000. */
  heartbeatIntervalMs?: number;
  /** Send to the broker's VIP port (port − 2); default false. */
  vipChannel?: boolean;
  /** This client's IP (clientId, UNIQ_KEY); default: first non-loopback IPv4. */
  clientIP?: string;
  /** Instance name; default `pid#time`, unique per producer. Producers with equal clientId share a client instance. */
  instanceName?: string;
  /** Unit name appended to the clientId. */
  unitName?: string;
  /** Socket adapter; default: detected from the runtime. */
  transport?: Transport;
  /** Request header encoding; default "JSON". */
  serializeType?: "JSON" | "ROCKETMQ";
  /** Compression/batch codec; default: the client instance's own (closed with it). A codec passed here stays owned by the caller. */
  codec?: MessageCodec;
  /** Send hooks: one object or a list, run in order (Java hook lists). */
  hooks?: ProducerHooks | ProducerHooks[];
  /**
   * RPC hooks (Java `RPCHook`): one hook or a list, run in order around every request and
   * response of the producer's client instance — route lookups, heartbeats, unregisters, sends of
   * every mode — e.g. to sign requests. Producers sharing a client instance (same clientId) share
   * the hooks of the one that created it; a later producer's different hooks are not used (a
   * warning is logged). See `RpcHook`.
   */
  rpcHooks?: RpcHook | readonly RpcHook[];
  /** Message-trace dispatcher. */
  traceDispatcher?: TraceDispatcher;
  /** How long `shutdown()` waits for in-flight sends; default 3000. */
  shutdownTimeoutMs?: number;
  /** Most sends in flight at once (back-pressure); default 8192. */
  maxInFlight?: number;
  /** Most message-body bytes in flight at once (back-pressure); default 64 MiB. */
  maxInFlightBytes?: number;
  /**
   * Past a bound: `"wait"` (default) for room within the send's budget (then `TimeoutError`
   * naming the bound), or `"fail"` at once with a retriable `SaturatedError`.
   */
  whenSaturated?: "wait" | "fail";
  /**
   * Where the producer and its client instance log (name-server failover, brokers marked
   * unavailable, route changes, failed sends, listener and hook errors, shutdown timeouts);
   * default `createLogger()`: the console at warn. `createLogger({ level: "silent" })` silences.
   */
  logger?: Logger;
}

/** What a producer's client instance knows of the cluster (dashboards, readiness probes). */
export interface ProducerClusterView {
  /** Name servers in use, with when each last answered (epoch ms; undefined when never). */
  nameServers: { address: string; lastOkAt: number | undefined }[];
  /** Brokers of the routes looked up so far, with their master address (brokerId 0). */
  brokers: { name: string; address: string }[];
}

/** Lifecycle states (Java `ServiceState`). */
export type ProducerState = "CREATE_JUST" | "RUNNING" | "START_FAILED" | "SHUTDOWN_ALREADY";
