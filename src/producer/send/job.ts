/**
 * One send as one object ({@link SendJob}): its retry loop, the pending request of its first
 * attempt and the bookkeeping of its end (events, in-flight count), so a send in flight keeps
 * one object alive instead of a handful. What sends of one kind share (rules, environment) is one
 * {@link SendKind} per kind, built by {@link SendKinds}.
 *
 * @module
 */

import type { MQFaultStrategy } from "../../fault/fault-strategy.ts";
import type { TopicPublishInfo } from "../../route/publish-info.ts";
import type { MessageQueue } from "../../route/message-queue.ts";
import type { ProducerEvents } from "../events.ts";
import type { CommunicationMode, SendResult } from "../types.ts";
import { type AttemptEnv, type AttemptSource, startAttempt } from "./attempt.ts";
import { type SendTracker, trackFailure, trackSuccess } from "./inflight.ts";
import type { HeaderParts } from "./header.ts";
import type { PreparedMessage } from "./prepare.ts";
import { chooseQueue } from "./queue.ts";
import { type RetryInfo, RetryLoop } from "./retry-loop.ts";
import { type RetryRules, retryRules, type RetrySettings } from "./retry-rules.ts";
import type { AttemptTarget } from "./sinks.ts";

/** What every send of one running producer shares. */
export interface SendShared {
  /** Attempt environment. */
  readonly env: AttemptEnv;
  /** Queue selection and fault tolerance. */
  readonly fault: MQFaultStrategy;
  /** Instrumentation. */
  readonly events: ProducerEvents;
  /** The producer's in-flight sends (each job counts itself out). */
  readonly tracker: SendTracker;
  /** Retry settings. */
  readonly retry: RetrySettings;
  /** Millisecond clock; default `Date.now` (tests pass a fake one). */
  readonly clock?: () => number;
}

/** What every send of one kind (mode, fixed queue or not) shares. */
class SendKind {
  readonly env: AttemptEnv;
  readonly rules: RetryRules;
  readonly fault: MQFaultStrategy;
  readonly events: ProducerEvents;
  readonly tracker: SendTracker;
  readonly clock: () => number;

  constructor(shared: SendShared, rules: RetryRules) {
    this.env = shared.env;
    this.rules = rules;
    this.fault = shared.fault;
    this.events = shared.events;
    this.tracker = shared.tracker;
    this.clock = shared.clock ?? Date.now;
  }
}

/** Builds the {@link SendJob}s of one running producer. */
export class SendKinds {
  readonly #shared: SendShared;
  readonly #kinds: (SendKind | undefined)[] = [];

  /** @param shared what every send of the producer shares */
  constructor(shared: SendShared) {
    this.#shared = shared;
  }

  /** The producer's clock. */
  now(): number {
    return (this.#shared.clock ?? Date.now)();
  }

  /**
   * Describe a send (counted in flight already; the job counts it out).
   *
   * @param p prepared message
   * @param mode send mode
   * @param signal abort signal passed to the remoting client
   * @param info publish info to select from (undefined with a fixed queue)
   * @param fixed explicit or selector-chosen queue, if any
   * @param timeoutMs the send's whole budget
   * @param begin when the send began (on the producer's clock)
   * @returns the job; `start()` runs it
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
    const kind = this.#kinds[index] ??= new SendKind(
      this.#shared,
      retryRules(mode, fixed !== undefined, this.#shared.retry),
    );
    return new SendJob(kind, p, signal, fixed ?? info!, timeoutMs, begin);
  }
}

/**
 * One send (Java sendDefaultImpl / sendSelectImpl / send(msg, mq)): the retry loop over the
 * attempts of one prepared message, and its end.
 */
export class SendJob extends RetryLoop implements AttemptSource {
  /** The send's whole budget. */
  readonly timeoutMs: number;
  readonly #kind: SendKind;
  readonly #p: PreparedMessage;
  /** The fixed queue when the kind is fixed, the publish info to select from otherwise. */
  readonly #source: MessageQueue | TopicPublishInfo;

  /** See {@link SendKinds.job}. */
  constructor(
    kind: SendKind,
    p: PreparedMessage,
    signal: AbortSignal | undefined,
    source: MessageQueue | TopicPublishInfo,
    timeoutMs: number,
    begin: number,
  ) {
    super(begin);
    this.#kind = kind;
    this.#p = p;
    // The send's signal, kept in the field its first request's would take (the same signal,
    // written again by the remoting client when that request is registered).
    this.signal = signal;
    this.#source = source;
    this.timeoutMs = timeoutMs;
  }

  /** The rules of the send's kind. */
  get rules(): RetryRules {
    return this.#kind.rules;
  }

  /** Topic without namespace (error messages, events). */
  get topic(): string {
    return this.#p.message.topic;
  }

  /** The topic of the latest attempt's queue without namespace (results). */
  get userTopic(): string {
    return this.#kind.env.userTopic(this.queue.topic);
  }

  /** The message's client id(s) (results). */
  get msgId(): string {
    return this.#p.msgId;
  }

  /** The producer's clock. */
  now(): number {
    return this.#kind.clock();
  }

  /** The fixed queue, or the fault strategy's pick avoiding the last broker. */
  select(lastBrokerName: string | undefined): MessageQueue {
    const kind = this.#kind;
    return chooseQueue(kind.fault, this.#source, kind.rules.fixed, lastBrokerName);
  }

  /** One attempt (see attempt.ts). */
  startAttempt(target: AttemptTarget, timeoutMs: number): void {
    try {
      startAttempt(this, target, timeoutMs);
    } catch (e) {
      target.fail(e); // an environment that throws instead of reporting
    }
  }

  /** The producer environment (see {@link AttemptSource}). */
  get env(): AttemptEnv {
    return this.#kind.env;
  }

  /** The producer's header parts. */
  get headerParts(): HeaderParts {
    return this.#kind.env.header;
  }

  /** The prepared message. */
  get prepared(): PreparedMessage {
    return this.#p;
  }

  /** The send's mode. */
  get mode(): CommunicationMode {
    return this.#kind.rules.mode;
  }

  /** Whether a success's latency reaches the fault strategy. */
  wantsLatency(): boolean {
    return this.#kind.fault.sendLatencyFaultEnable;
  }

  /** Fault strategy feedback. */
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void {
    this.#kind.fault.updateFaultItem(brokerName, latencyMs, isolation);
  }

  /** "producer.send.retry" event. */
  onRetry(info: RetryInfo): void {
    const events = this.#kind.events;
    if (events.has("producer.send.retry")) {
      events.emit("producer.send.retry", { ...info, topic: this.topic });
    }
  }

  /** The send's successful end: "producer.send" and the in-flight count. */
  succeeded(r: SendResult | undefined): SendResult | undefined {
    const kind = this.#kind;
    const bytes = this.#p.body.length;
    return trackSuccess(kind.events, kind.tracker, kind.rules.mode, this.begin, r, bytes);
  }

  /** The send's failed end: "producer.send.failed" and the in-flight count. */
  failed(error: unknown): never {
    const kind = this.#kind;
    return trackFailure(kind.events, kind.tracker, kind.rules.mode, error, this.#p.body.length);
  }
}
