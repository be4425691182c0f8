/**
 * `@rocketmq-edge/client/internals`: the building blocks under the `Producer`, for tools,
 * tests and other clients — protocol codes, frame and route codecs, message ids, publish info and
 * round-robin queue choice, the codec worker pool, transport detection, Java's `hashCode`.
 *
 * Not covered by the semver promise of the root export: names and signatures here may change in
 * a minor release. Applications need only `@rocketmq-edge/client`.
 *
 * @example Decode a route body as a name server sends it
 * ```ts
 * import { parseTopicRouteData, RequestCode } from "@rocketmq-edge/client/internals";
 *
 * const route = parseTopicRouteData(
 *   '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"c"}],' +
 *     '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSynFlag":0,' +
 *     '"writeQueueNums":4}]}',
 * );
 * console.log(RequestCode.GET_ROUTEINFO_BY_TOPIC, route.brokerDatas[0].brokerAddrs["0"]);
 * ```
 *
 * @module
 */

export {
  FrameFlag,
  LanguageCode,
  MessageSysFlag,
  MQVersion,
  PermName,
  RequestCode,
  ResponseCode,
  SerializeType,
} from "./src/remoting/codes.ts";
export type { SerializeTypeValue } from "./src/remoting/codes.ts";
export type { RemotingCommand } from "./src/remoting/command.ts";
export { createOffsetMessageId, decodeOffsetMessageId } from "./src/codec/message-id.ts";
export type { OffsetMessageId } from "./src/codec/message-id.ts";
export {
  createPooledCodec as createPooledCodecWithPool,
  DEFAULT_BATCH_OFFLOAD_THRESHOLD,
  DEFAULT_BATCH_OFFLOAD_THRESHOLD_TRANSFER,
} from "./src/codec/message-codec.ts";
export type {
  PooledCodecOptions as PooledCodecWithPoolOptions,
  PooledMessageCodec as PooledMessageCodecWithPool,
} from "./src/codec/message-codec.ts";
export { WorkerPool } from "./src/codec/worker-pool.ts";
export type {
  WorkerErrorInfo,
  WorkerEvents,
  WorkerFactory,
  WorkerHandle,
  WorkerPoolOptions,
  WorkerReply,
  WorkerRequest,
} from "./src/codec/worker-pool.ts";
export {
  findBrokerAddressInPublish,
  TopicPublishInfo,
  topicRouteToPublishInfo,
} from "./src/route/publish-info.ts";
export type { TopicPublishInfoInit } from "./src/route/publish-info.ts";
export { parseTopicRouteData, topicRouteEquals } from "./src/route/topic-route.ts";
export type { BrokerData, QueueData, TopicRouteData } from "./src/route/topic-route.ts";
export type { MessageQueue } from "./src/route/message-queue.ts";
export { MQFaultStrategy } from "./src/fault/fault-strategy.ts";
export type { FaultStrategyOptions, FaultStrategyState } from "./src/fault/fault-strategy.ts";
export { LatencyFaultTolerance } from "./src/fault/latency-fault-tolerance.ts";
export type { FaultItem } from "./src/fault/latency-fault-tolerance.ts";
export { RoundRobinIndex } from "./src/route/round-robin.ts";
export type { RandomSource } from "./src/route/round-robin.ts";
export { detectTransport } from "./src/transport/detect.ts";
export type {
  ConnectOptions,
  RawSocket,
  SocketHandlers,
  TlsOptions,
  Transport,
} from "./src/transport/types.ts";
export type { BatchRecord, MessageCodec } from "./src/codec/message-codec.ts";
export type { Logger, LogLevel } from "./src/log/logger.ts";
export { javaHashCode, javaStringHashCode } from "./src/route/select-by-hash.ts";
