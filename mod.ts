/**
 * rocketmq-edge: a RocketMQ producer for Deno, Bun, Node and edge runtimes, speaking the native
 * "remoting" TCP protocol of Apache RocketMQ 4.9.x and 5.x.
 *
 * The {@link Producer} follows the Java `DefaultMQProducer`: route lookup from the name server
 * (with TBW102 auto-create), round-robin queue selection with optional latency fault tolerance, a
 * retry loop that shares one timeout budget across attempts and avoids the broker that just
 * failed, compression of large bodies, batches, one-way and callback sends, heartbeats and route
 * refresh. Every error is a typed {@link RocketMQError} that says whether it is retriable.
 *
 * @example Send a message (`await using` needs Deno or Bun; on Node 22 use try/finally as below)
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 *
 * await using producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders" });
 * await producer.start();
 * const r = await producer.send({ topic: "Orders", body: "hello", tags: "TagA", keys: ["k1"] });
 * console.log(r.status, r.msgId, r.offsetMsgId, r.queue.brokerName, r.queueOffset);
 * ```
 *
 * @example Handle failures
 * ```ts
 * import { Producer, RocketMQError, SendFailedError } from "@rocketmq-edge/client";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders" });
 * await producer.start();
 * try {
 *   await producer.send({ topic: "Orders", body: "hello" }, { timeoutMs: 1000 });
 * } catch (e) {
 *   if (e instanceof SendFailedError) console.log(e.brokersTried, e.lastResponseCode);
 *   else if (e instanceof RocketMQError) console.log(e.code, e.retriable, e.message);
 * } finally {
 *   await producer.shutdown();
 * }
 * ```
 *
 * Lower-level building blocks (protocol codes, frame and route codecs, the worker pool, transport
 * detection) are in `@rocketmq-edge/client/internals`; the embedded cluster for tests is in
 * `@rocketmq-edge/client/testing`.
 *
 * @module
 */

export { Producer } from "./src/producer/producer.ts";
export { ProducerEvents } from "./src/producer/events.ts";
export { EventName } from "./src/producer/event-map.ts";
export type {
  ClientEventMap,
  HeartbeatEventDetail,
  ProducerEvent,
  ProducerEventListener,
  ProducerEventMap,
  ProducerEventName,
} from "./src/producer/event-map.ts";
export type {
  CheckForbiddenContext,
  CommunicationMode,
  Message,
  MessageQueue,
  MessageType,
  ProducerClusterView,
  ProducerHooks,
  ProducerOptions,
  ProducerState,
  QueueSelector,
  SendCallback,
  SendMessageContext,
  SendOptions,
  SendResult,
  SendStatus,
  TraceDispatcher,
} from "./src/producer/types.ts";
export * from "./src/errors.ts";
export { ResponseCode } from "./src/remoting/codes.ts";
export { decodeOffsetMessageId } from "./src/codec/message-id.ts";
export type { OffsetMessageId } from "./src/codec/message-id.ts";
export { createInlineCodec, DEFAULT_OFFLOAD_THRESHOLD } from "./src/codec/message-codec.ts";
export type { BatchRecord, MessageCodec } from "./src/codec/message-codec.ts";
export { createPooledCodec } from "./src/codec/pooled-codec.ts";
export type {
  PooledCodecOptions,
  PooledMessageCodec,
  WorkerPoolStats,
} from "./src/codec/pooled-codec.ts";
export type { BrokerData, QueueData, TopicRouteData } from "./src/route/topic-route.ts";
export type { FaultStrategyState } from "./src/fault/fault-strategy.ts";
export { LatencyFaultTolerance } from "./src/fault/latency-fault-tolerance.ts";
export type { FaultItem } from "./src/fault/latency-fault-tolerance.ts";
export { cloudflareTransport } from "./src/transport/cloudflare.ts";
export type {
  ConnectOptions,
  RawSocket,
  SocketHandlers,
  TlsOptions,
  Transport,
} from "./src/transport/types.ts";
export { consoleSink, createLogger, silentLogger } from "./src/log/logger.ts";
export type { LogEntry, Logger, LoggerOptions, LogLevel, LogSink } from "./src/log/logger.ts";
export { hashQueueIndex, selectMessageQueueByHash } from "./src/route/select-by-hash.ts";
export type { RpcHook, RpcRequest, RpcResponse } from "./src/remoting/rpc-hook.ts";
