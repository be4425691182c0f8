/**
 * One send as the retry loop sees it: a single object that is both the loop's dependencies and
 * its policy, so a send allocates one job instead of a handful of closures.
 *
 * @module
 */

import type { MQFaultStrategy } from "../fault/fault-strategy.ts";
import type { TopicPublishInfo } from "../route/publish-info.ts";
import type { MessageQueue } from "../route/message-queue.ts";
import type { ProducerEvents } from "./events.ts";
import { type KernelEnv, sendKernel, sendKernelTo } from "./kernel.ts";
import type { PreparedMessage } from "./message.ts";
import {
  asyncRetryPolicy,
  type AttemptSink,
  type RetryInfo,
  type SendLoopDeps,
  type SendLoopPolicy,
  syncRetryPolicy,
} from "./send-loop.ts";
import type { CommunicationMode, Message, SendOptions, SendResult } from "./types.ts";
import { ValidationError } from "../errors.ts";
import { withoutNamespace, wrapNamespace } from "../client/namespace.ts";

/** Retry settings of the producer a job needs. */
export interface RetrySettings {
  /** Extra awaited-send attempts. */
  retryTimesWhenSendFailed: number;
  /** Extra async-send attempts. */
  retryTimesWhenSendAsyncFailed: number;
  /** Retry on a not-OK status. */
  retryAnotherBrokerWhenNotStoreOK: boolean;
}

/** Dependencies and policy of one send (Java sendDefaultImpl / sendSelectImpl / send(msg, mq)). */
export class SendJob implements SendLoopDeps<SendResult | undefined>, SendLoopPolicy {
  /** Attempts in total. */
  readonly maxAttempts: number;
  /** The send's whole budget. */
  readonly timeoutMs: number;
  /** When the send began (Date.now()). */
  readonly begin: number;
  /** Retry rule of the mode. */
  readonly retryOn: (error: unknown) => boolean;
  /** Retry a not-OK status. */
  readonly retryNotOk: boolean;
  /** Fixed-queue sends reject with their own error, like Java's `send(msg, mq)`. */
  readonly wrapFinalError: boolean;
  /** Set by the producer when the loop starts in the run that read {@link begin}. */
  startsAtBegin = false;
  /** Topic without namespace (error messages, events). */
  readonly topic: string;
  readonly #env: KernelEnv;
  readonly #p: PreparedMessage;
  readonly #mode: CommunicationMode;
  readonly #signal: AbortSignal | undefined;
  readonly #info: TopicPublishInfo | undefined;
  readonly #fixed: MessageQueue | undefined;
  readonly #fault: MQFaultStrategy;
  readonly #events: ProducerEvents;

  /**
   * Describe a send.
   *
   * @param env kernel environment
   * @param p prepared message
   * @param mode send mode
   * @param signal abort signal passed to the remoting client
   * @param info publish info to select from (undefined with a fixed queue)
   * @param fixed explicit or selector-chosen queue: no broker switch, no fault feedback (as Java)
   * @param fault queue selection and fault tolerance
   * @param events instrumentation
   * @param retry retry settings
   * @param timeoutMs the send's whole budget
   * @param begin when the send began (Date.now())
   */
  constructor(
    env: KernelEnv,
    p: PreparedMessage,
    mode: CommunicationMode,
    signal: AbortSignal | undefined,
    info: TopicPublishInfo | undefined,
    fixed: MessageQueue | undefined,
    fault: MQFaultStrategy,
    events: ProducerEvents,
    retry: RetrySettings,
    timeoutMs: number,
    begin: number,
  ) {
    this.#env = env;
    this.#p = p;
    this.#mode = mode;
    this.#signal = signal;
    this.#info = info;
    this.#fixed = fixed;
    this.#fault = fault;
    this.#events = events;
    // Java: one-way sends and awaited sends to a fixed queue make one attempt; async sends retry
    // transport failures (onExceptionImpl) even to a fixed queue, on the same broker.
    this.maxAttempts = mode === "ONEWAY"
      ? 1
      : mode === "ASYNC"
      ? 1 + retry.retryTimesWhenSendAsyncFailed
      : fixed !== undefined
      ? 1
      : 1 + retry.retryTimesWhenSendFailed;
    this.timeoutMs = timeoutMs;
    this.begin = begin;
    this.retryOn = mode === "ASYNC" ? asyncRetryPolicy : syncRetryPolicy;
    this.retryNotOk = mode === "SYNC" && fixed === undefined &&
      retry.retryAnotherBrokerWhenNotStoreOK;
    this.topic = p.message.topic;
    this.wrapFinalError = fixed === undefined;
  }

  /** Wall clock (the kernel stamps bornTimestamp with it too). */
  now(): number {
    return Date.now();
  }

  /** The fixed queue, or the fault strategy's pick avoiding the last broker. */
  select(lastBrokerName: string | undefined): MessageQueue {
    return this.#fixed ?? this.#fault.selectOneMessageQueue(this.#info!, lastBrokerName);
  }

  /** One kernel attempt. */
  attempt(queue: MessageQueue, timeoutMs: number): Promise<SendResult | undefined> {
    return sendKernel(this.#env, this.#p, queue, this.#mode, timeoutMs, this.#signal);
  }

  /**
   * One kernel attempt reporting to `sink`, when the kernel's plain path applies; `now` stamps
   * the message's bornTimestamp.
   */
  attemptTo(
    queue: MessageQueue,
    timeoutMs: number,
    _attemptIndex: number,
    sink: AttemptSink<SendResult | undefined>,
    now: number,
  ): boolean {
    return sendKernelTo(this.#env, this.#p, queue, this.#mode, timeoutMs, this.#signal, sink, now);
  }

  /** Whether a success's latency reaches the fault strategy (see `SendLoopDeps.wantsLatency`). */
  wantsLatency(): boolean {
    return this.#fixed === undefined && this.#fault.sendLatencyFaultEnable;
  }

  /** Java feeds the fault strategy only from sendDefaultImpl, not from queue/selector sends. */
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void {
    if (this.#fixed === undefined) this.#fault.updateFaultItem(brokerName, latencyMs, isolation);
  }

  /** "producer.send.retry" event. */
  onRetry(info: RetryInfo): void {
    if (this.#events.has("producer.send.retry")) {
      this.#events.emit("producer.send.retry", { ...info, topic: this.topic });
    }
  }
}

/**
 * Java `send(msg, mq)`: the explicit queue must be of the message's topic.
 *
 * @param queue the caller's queue (topic without namespace)
 * @param topic the message's topic
 * @throws ValidationError naming `queue.topic`
 */
export function checkExplicitQueue(queue: MessageQueue, topic: string): void {
  if (queue === null || typeof queue !== "object" || queue.topic !== topic) {
    throw new ValidationError("queue.topic", "message's topic not equal mq's topic");
  }
}

function wireQueue(q: MessageQueue, namespace: string | undefined): MessageQueue {
  return { topic: wrapNamespace(namespace, q.topic), brokerName: q.brokerName, queueId: q.queueId };
}

/**
 * The queue a send is pinned to: the explicit queue (Java `send(msg, mq)`), or the selector's
 * choice among the topic's queues shown without namespace (Java `sendSelectImpl`); undefined for
 * a normal send.
 *
 * @param options send options
 * @param info the topic's publish info (undefined with an explicit queue)
 * @param message the caller's message (passed to the selector)
 * @param namespace namespace, if any
 * @returns the wire queue, or undefined
 * @throws ValidationError naming `selector` when the selector returns no queue
 */
export function fixedQueue(
  options: SendOptions | undefined,
  info: TopicPublishInfo | undefined,
  message: Message,
  namespace: string | undefined,
): MessageQueue | undefined {
  if (options?.queue !== undefined) return wireQueue(options.queue, namespace);
  if (options?.selector === undefined) return undefined;
  const queues = info!.messageQueueList.map((q) => ({
    topic: withoutNamespace(namespace, q.topic),
    brokerName: q.brokerName,
    queueId: q.queueId,
  }));
  const chosen = options.selector(queues, message, options.arg);
  if (chosen === null || typeof chosen !== "object" || typeof chosen.brokerName !== "string") {
    throw new ValidationError("selector", "select message queue return null.");
  }
  return wireQueue(chosen, namespace);
}
