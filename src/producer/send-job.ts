/**
 * One send as one object: its retry loop, the loop's dependencies and policy, the pending entry
 * of its first request and (for a single message) the bookkeeping of its end, so a send in flight
 * keeps one job alive instead of a handful of objects. What sends share lives in a profile per
 * kind of send.
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
  type RetryInfo,
  type SendOutcome,
  SendRun,
  syncRetryPolicy,
} from "./send-loop.ts";
import { answerSend, answerSendTokens, type SendTarget } from "./send-response.ts";
import type { PendingEntry, PendingTable } from "../remoting/_pending.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { HeaderTokens } from "../remoting/_header_tokens.ts";
import { type SendTracker, trackFailure, trackSuccess } from "./tracker.ts";
import type { CommunicationMode, Message, SendOptions, SendResult } from "./types.ts";
import { ValidationError } from "../errors.ts";
import { withoutNamespace, wrapNamespace } from "../client/namespace.ts";
import { callSelector, orderedChoice } from "./queue-choice.ts";

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
 * What every send of one producer in one mode (with or without a fixed queue, tracked or not)
 * shares: one object per kind, pointed to by each {@link SendJob}, so a job carries only what
 * differs.
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
  /** Its jobs are their sends' outcomes (events and the in-flight count). */
  readonly tracked: boolean;

  constructor(shared: SendShared, mode: CommunicationMode, fixed: boolean, tracked: boolean) {
    this.env = shared.env;
    this.mode = mode;
    this.fixed = fixed;
    this.tracked = tracked;
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
   * @param tracked the job settles the send's events and in-flight count itself (its outcome)
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
    tracked: boolean,
  ): SendJob {
    const index = (mode === "SYNC" ? 0 : mode === "ASYNC" ? 4 : 8) +
      (fixed === undefined ? 0 : 2) + (tracked ? 1 : 0);
    const profile = this.#profiles[index] ??= new SendProfile(
      this.#shared,
      mode,
      fixed !== undefined,
      tracked,
    );
    return new SendJob(profile, p, signal, fixed ?? info!, timeoutMs, begin);
  }
}

/**
 * One send (Java sendDefaultImpl / sendSelectImpl / send(msg, mq)) as one object: its retry loop
 * ({@link SendRun}), the loop's dependencies and policy, the remoting client's pending entry of
 * its first attempt ({@link PendingEntry}, which hands the answer to the loop as its
 * {@link SendTarget}) and, when tracked, the bookkeeping of its end ({@link SendOutcome}: events
 * and the in-flight count). What sends of one kind share is in its {@link SendProfile}; later
 * attempts wait in entries of their own.
 */
export class SendJob extends SendRun<SendResult | undefined>
  implements SendTarget, PendingEntry, SendOutcome<SendResult | undefined> {
  /** The send's whole budget. */
  readonly timeoutMs: number;
  /** The send's abort signal (and, once registered, its first request's). */
  signal: AbortSignal | undefined;
  /** Pending entry of the first attempt: see {@link PendingEntry}. */
  table: PendingTable | undefined = undefined;
  /** See {@link PendingEntry.opaque}. */
  opaque = 0;
  /** See {@link PendingEntry.code}. */
  code = 0;
  /** See {@link PendingEntry.requestTimeoutMs}. */
  requestTimeoutMs = 0;
  /** See {@link PendingEntry.deadline}. */
  deadline = 0;
  /** See {@link PendingEntry.slotSeq}. */
  slotSeq = 0;
  readonly #profile: SendProfile;
  readonly #p: PreparedMessage;
  /** The fixed queue when the profile is fixed, the publish info to select from otherwise. */
  readonly #source: MessageQueue | TopicPublishInfo;

  /** See {@link SendJobs.job}. */
  constructor(
    profile: SendProfile,
    p: PreparedMessage,
    signal: AbortSignal | undefined,
    source: MessageQueue | TopicPublishInfo,
    timeoutMs: number,
    begin: number,
  ) {
    super(begin);
    this.#profile = profile;
    this.#p = p;
    this.signal = signal;
    this.#source = source;
    this.timeoutMs = timeoutMs;
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
  override get wrapFinalError(): boolean {
    return !this.#profile.fixed;
  }

  /** Topic without namespace (error messages, events). */
  get topic(): string {
    return this.#p.message.topic;
  }

  /** The job itself when tracked. */
  get outcome(): SendOutcome<SendResult | undefined> | undefined {
    return this.#profile.tracked ? this : undefined;
  }

  /** Namespace handling of the answer (see {@link SendTarget}). */
  get names(): KernelEnv {
    return this.#profile.env;
  }

  /** The message's client id(s) (see {@link SendTarget}). */
  get msgId(): string {
    return this.#p.msgId;
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
    const pr = this.#profile;
    if (pr.fixed) return this.#source as MessageQueue;
    return pr.fault.selectOneMessageQueue(this.#source as TopicPublishInfo, lastBrokerName);
  }

  /** One kernel attempt. */
  attempt(queue: MessageQueue, timeoutMs: number): Promise<SendResult | undefined> {
    const pr = this.#profile;
    return sendKernel(pr.env, this.#p, queue, pr.mode, timeoutMs, this.signal);
  }

  /**
   * The first kernel attempt with this job as its pending entry, when the kernel's plain path
   * applies; `now` stamps the message's bornTimestamp.
   */
  override attemptTo(queue: MessageQueue, timeoutMs: number, now: number): boolean {
    const pr = this.#profile;
    return sendKernelTo(pr.env, this.#p, queue, pr.mode, timeoutMs, this.signal, this, now);
  }

  /** As the first attempt's entry: the answer arrived. */
  onResponse(response: RemotingCommand): void {
    answerSend(this, response, this.table!.address);
  }

  /** As the first attempt's entry: the answer arrived as a scanned header. */
  onTokens(tokens: HeaderTokens, body: Uint8Array | undefined): void {
    answerSendTokens(this, tokens, body, this.table!.address);
  }

  /** As the first attempt's entry: the request failed. */
  onError(error: Error): void {
    this.fail(error);
  }

  /** Whether a success's latency reaches the fault strategy. */
  override wantsLatency(): boolean {
    const pr = this.#profile;
    return !pr.fixed && pr.fault.sendLatencyFaultEnable;
  }

  /** Java feeds the fault strategy only from sendDefaultImpl, not from queue/selector sends. */
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void {
    const pr = this.#profile;
    if (!pr.fixed) pr.fault.updateFaultItem(brokerName, latencyMs, isolation);
  }

  /** "producer.send.retry" event. */
  override onRetry(info: RetryInfo): void {
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
 * (or the `shardingKey` hash's) choice among the topic's queues shown without namespace (Java
 * `sendSelectImpl`); undefined for a normal send.
 *
 * @param options send options
 * @param info the topic's publish info (undefined with an explicit queue)
 * @param message the caller's message (passed to the selector)
 * @param namespace namespace, if any
 * @returns the wire queue, or undefined
 * @throws ValidationError naming `selector` when the selector returns no queue; SelectorError when
 *   it throws
 */
export function fixedQueue(
  options: SendOptions | undefined,
  info: TopicPublishInfo | undefined,
  message: Message,
  namespace: string | undefined,
): MessageQueue | undefined {
  if (options?.queue !== undefined) return wireQueue(options.queue, namespace);
  const ordered = orderedChoice(options, message); // selector, or the message's shardingKey
  if (ordered === undefined) return undefined;
  const queues = info!.messageQueueList.map((q) => ({
    topic: withoutNamespace(namespace, q.topic),
    brokerName: q.brokerName,
    queueId: q.queueId,
  }));
  const chosen = callSelector(ordered.selector, queues, message, ordered.arg);
  if (chosen === null || typeof chosen !== "object" || typeof chosen.brokerName !== "string") {
    throw new ValidationError("selector", "select message queue return null.");
  }
  return wireQueue(chosen, namespace);
}
