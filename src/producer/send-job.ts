/**
 * One send as the retry loop sees it: a single object that is the loop's dependencies, its policy
 * and (for a single message) the bookkeeping of its end, so a send allocates one job instead of a
 * handful of closures. What sends share lives in a profile per kind of send.
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
  type SendOutcome,
  syncRetryPolicy,
} from "./send-loop.ts";
import { type SendTracker, trackFailure, trackSuccess } from "./tracker.ts";
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

/** What every send of one running producer shares. */
export interface SendShared {
  /** Kernel environment. */
  readonly env: KernelEnv;
  /** Queue selection and fault tolerance. */
  readonly fault: MQFaultStrategy;
  /** Instrumentation. */
  readonly events: ProducerEvents;
  /** The producer's in-flight sends (counted out by a job used as its send's outcome). */
  readonly tracker: SendTracker;
  /** Retry settings. */
  readonly retry: RetrySettings;
}

/**
 * What every send of one producer in one mode (and with or without a fixed queue) shares: one
 * object per kind, pointed to by each {@link SendJob}, so a job carries only what differs.
 */
class SendProfile {
  readonly env: KernelEnv;
  readonly mode: CommunicationMode;
  readonly fixed: boolean;
  readonly fault: MQFaultStrategy;
  readonly events: ProducerEvents;
  readonly tracker: SendTracker;
  readonly maxAttempts: number;
  readonly retryOn: (error: unknown) => boolean;
  readonly retryNotOk: boolean;

  constructor(shared: SendShared, mode: CommunicationMode, fixed: boolean) {
    this.env = shared.env;
    this.mode = mode;
    this.fixed = fixed;
    this.fault = shared.fault;
    this.events = shared.events;
    this.tracker = shared.tracker;
    const retry = shared.retry;
    // Java: one-way sends and awaited sends to a fixed queue make one attempt; async sends retry
    // transport failures (onExceptionImpl) even to a fixed queue, on the same broker.
    this.maxAttempts = mode === "ONEWAY"
      ? 1
      : mode === "ASYNC"
      ? 1 + retry.retryTimesWhenSendAsyncFailed
      : fixed
      ? 1
      : 1 + retry.retryTimesWhenSendFailed;
    this.retryOn = mode === "ASYNC" ? asyncRetryPolicy : syncRetryPolicy;
    this.retryNotOk = mode === "SYNC" && !fixed && retry.retryAnotherBrokerWhenNotStoreOK;
  }
}

/** Builds the {@link SendJob}s of one running producer (one {@link SendProfile} per kind). */
export class SendJobs {
  readonly #shared: SendShared;
  readonly #profiles: (SendProfile | undefined)[] = [];

  /** @param shared what every send of the producer shares */
  constructor(shared: SendShared) {
    this.#shared = shared;
  }

  /**
   * Describe a send.
   *
   * @param p prepared message
   * @param mode send mode
   * @param signal abort signal passed to the remoting client
   * @param info publish info to select from (undefined with a fixed queue)
   * @param fixed explicit or selector-chosen queue: no broker switch, no fault feedback (as Java)
   * @param timeoutMs the send's whole budget
   * @param begin when the send began (Date.now())
   * @returns the job
   */
  job(
    p: PreparedMessage,
    mode: CommunicationMode,
    signal: AbortSignal | undefined,
    info: TopicPublishInfo | undefined,
    fixed: MessageQueue | undefined,
    timeoutMs: number,
    begin: number,
  ): SendJob {
    const index = (mode === "SYNC" ? 0 : mode === "ASYNC" ? 2 : 4) + (fixed === undefined ? 0 : 1);
    const profile = this.#profiles[index] ??= new SendProfile(
      this.#shared,
      mode,
      fixed !== undefined,
    );
    return new SendJob(profile, p, signal, info, fixed, timeoutMs, begin);
  }
}

/**
 * Dependencies and policy of one send (Java sendDefaultImpl / sendSelectImpl / send(msg, mq)),
 * and, for a single message, the bookkeeping of its end ({@link SendOutcome}: events and the
 * in-flight count), so the common send allocates one object here.
 */
export class SendJob
  implements
    SendLoopDeps<SendResult | undefined>,
    SendLoopPolicy,
    SendOutcome<SendResult | undefined> {
  /** The send's whole budget. */
  readonly timeoutMs: number;
  /** When the send began (Date.now()). */
  readonly begin: number;
  /** Set by the producer when the loop starts in the run that read {@link begin}. */
  startsAtBegin = false;
  readonly #profile: SendProfile;
  readonly #p: PreparedMessage;
  readonly #signal: AbortSignal | undefined;
  readonly #info: TopicPublishInfo | undefined;
  readonly #fixed: MessageQueue | undefined;

  /** See {@link SendJobs.job}. */
  constructor(
    profile: SendProfile,
    p: PreparedMessage,
    signal: AbortSignal | undefined,
    info: TopicPublishInfo | undefined,
    fixed: MessageQueue | undefined,
    timeoutMs: number,
    begin: number,
  ) {
    this.#profile = profile;
    this.#p = p;
    this.#signal = signal;
    this.#info = info;
    this.#fixed = fixed;
    this.timeoutMs = timeoutMs;
    this.begin = begin;
  }

  /** Attempts in total. */
  get maxAttempts(): number {
    return this.#profile.maxAttempts;
  }

  /** Retry a not-OK status. */
  get retryNotOk(): boolean {
    return this.#profile.retryNotOk;
  }

  /** Fixed-queue sends reject with their own error, like Java's `send(msg, mq)`. */
  get wrapFinalError(): boolean {
    return !this.#profile.fixed;
  }

  /** Topic without namespace (error messages, events). */
  get topic(): string {
    return this.#p.message.topic;
  }

  /** Retry rule of the mode. */
  retryOn(error: unknown): boolean {
    return this.#profile.retryOn(error);
  }

  /** Wall clock (the kernel stamps bornTimestamp with it too). */
  now(): number {
    return Date.now();
  }

  /** The fixed queue, or the fault strategy's pick avoiding the last broker. */
  select(lastBrokerName: string | undefined): MessageQueue {
    return this.#fixed ?? this.#profile.fault.selectOneMessageQueue(this.#info!, lastBrokerName);
  }

  /** One kernel attempt. */
  attempt(queue: MessageQueue, timeoutMs: number): Promise<SendResult | undefined> {
    const pr = this.#profile;
    return sendKernel(pr.env, this.#p, queue, pr.mode, timeoutMs, this.#signal);
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
    const pr = this.#profile;
    return sendKernelTo(pr.env, this.#p, queue, pr.mode, timeoutMs, this.#signal, sink, now);
  }

  /** Whether a success's latency reaches the fault strategy (see `SendLoopDeps.wantsLatency`). */
  wantsLatency(): boolean {
    return this.#fixed === undefined && this.#profile.fault.sendLatencyFaultEnable;
  }

  /** Java feeds the fault strategy only from sendDefaultImpl, not from queue/selector sends. */
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void {
    if (this.#fixed === undefined) {
      this.#profile.fault.updateFaultItem(brokerName, latencyMs, isolation);
    }
  }

  /** "producer.send.retry" event. */
  onRetry(info: RetryInfo): void {
    const events = this.#profile.events;
    if (events.has("producer.send.retry")) {
      events.emit("producer.send.retry", { ...info, topic: this.topic });
    }
  }

  /** As the send's outcome: "producer.send" and the in-flight count (see `Tracked`). */
  succeeded(r: SendResult | undefined): SendResult | undefined {
    const pr = this.#profile;
    return trackSuccess(pr.events, pr.tracker, pr.mode, this.begin, r);
  }

  /** As the send's outcome: "producer.send.failed" and the in-flight count (see `Tracked`). */
  failed(error: unknown): never {
    const pr = this.#profile;
    return trackFailure(pr.events, pr.tracker, pr.mode, error);
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
