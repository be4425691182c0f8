/**
 * The retry loop of {@link SendRun} over separate objects: the dependencies (clock, selection,
 * attempts, fault feedback), the policy (budget, retry rules) and the caller's outcome
 * bookkeeping. The producer's send job is all three and extends `SendRun` itself; this is the
 * loop's seam for anything else, and the one its unit tests drive with a fake clock.
 *
 * @module
 */

import type { MessageQueue } from "../route/message-queue.ts";
import { type AttemptSink, type RetryInfo, type SendOutcome, SendRun } from "./send-loop.ts";
import type { SendResult } from "./types.ts";

/** What the loop drives. */
export interface SendLoopDeps<R> {
  /** Millisecond clock. */
  now(): number;
  /** Pick a queue, avoiding `lastBrokerName` when possible (fault strategy). */
  select(lastBrokerName: string | undefined): MessageQueue;
  /** One attempt with `timeoutMs` left. */
  attempt(queue: MessageQueue, timeoutMs: number, attemptIndex: number): Promise<R>;
  /**
   * Optional: start the first attempt with its outcome going to `sink` (once, possibly from I/O
   * later) instead of a promise, so the common send costs one promise in all. `now` is the
   * attempt's start on the {@link now} clock (no clock read needed). Returns false when it
   * cannot (nothing started, `sink` untouched): the loop then calls {@link attempt}.
   */
  attemptTo?(
    queue: MessageQueue,
    timeoutMs: number,
    attemptIndex: number,
    sink: AttemptSink<R>,
    now: number,
  ): boolean;
  /** Fault strategy feedback. */
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void;
  /**
   * Optional: false when {@link updateFaultItem} would ignore a success (latency fault tolerance
   * off, or a fixed queue), so the loop skips the clock read it would need. Default true.
   */
  wantsLatency?(): boolean;
  /** Called before retrying, with why. */
  onRetry?(info: RetryInfo): void;
}

/** The rules of one send. */
export interface SendLoopPolicy {
  /** Attempts in total (≥ 1). */
  maxAttempts: number;
  /** Total budget, ms, counted from {@link begin}. */
  timeoutMs: number;
  /**
   * When the send began, on the `deps.now()` clock (validation and compression before the loop
   * spend the same budget). Default: when the loop starts.
   */
  begin?: number;
  /**
   * True when the loop is started in the same synchronous run that read {@link begin}, with
   * nothing slow in between (no await, no user code): the first attempt then starts at `begin`,
   * without a clock read.
   */
  startsAtBegin?: boolean;
  /** Whether an attempt's error may be retried on another broker. */
  retryOn(error: unknown): boolean;
  /** Retry when the status is not SEND_OK (retryAnotherBrokerWhenNotStoreOK). */
  retryNotOk: boolean;
  /** Topic, for error messages. */
  topic: string;
  /**
   * Whether a send that ran out of attempts rejects with a {@link SendFailedError} listing them
   * (Java sendDefaultImpl's "Send [N] times, still failed"), or with the last attempt's own error
   * (Java `send(msg, mq)` / `sendSelectImpl`, which have no retry loop). Default true.
   */
  wrapFinalError?: boolean;
}

/** A {@link SendRun} over separate dependency, policy and outcome objects. */
class LoopRun<R extends SendResult | undefined> extends SendRun<R> {
  readonly #deps: SendLoopDeps<R>;
  readonly #policy: SendLoopPolicy;
  readonly outcome: SendOutcome<R> | undefined;

  constructor(deps: SendLoopDeps<R>, policy: SendLoopPolicy, outcome: SendOutcome<R> | undefined) {
    super(policy.begin ?? deps.now());
    this.#deps = deps;
    this.#policy = policy;
    this.outcome = outcome;
  }

  now(): number {
    return this.#deps.now();
  }
  select(lastBrokerName: string | undefined): MessageQueue {
    return this.#deps.select(lastBrokerName);
  }
  attempt(queue: MessageQueue, timeoutMs: number, attemptIndex: number): Promise<R> {
    return this.#deps.attempt(queue, timeoutMs, attemptIndex);
  }
  override attemptTo(queue: MessageQueue, timeoutMs: number, now: number): boolean {
    const deps = this.#deps;
    return deps.attemptTo !== undefined && deps.attemptTo(queue, timeoutMs, 0, this, now);
  }
  updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void {
    this.#deps.updateFaultItem(brokerName, latencyMs, isolation);
  }
  override wantsLatency(): boolean {
    return this.#deps.wantsLatency?.() !== false;
  }
  override onRetry(info: RetryInfo): void {
    this.#deps.onRetry?.(info);
  }
  get maxAttempts(): number {
    return this.#policy.maxAttempts;
  }
  get timeoutMs(): number {
    return this.#policy.timeoutMs;
  }
  get retryNotOk(): boolean {
    return this.#policy.retryNotOk;
  }
  get topic(): string {
    return this.#policy.topic;
  }
  override get wrapFinalError(): boolean {
    return this.#policy.wrapFinalError !== false;
  }
  retryOn(error: unknown): boolean {
    return this.#policy.retryOn(error);
  }
}

/**
 * Run the attempts of one send whose dependencies and policy are separate objects (see
 * {@link SendRun} for a send that is its own).
 *
 * @param deps clock, selection, attempt, fault feedback
 * @param policy budget and retry rules
 * @param outcome the caller's bookkeeping, run before the send settles
 * @returns the attempt's value (SendResult, or undefined for one-way)
 * @throws TimeoutError when the budget ran out (cause: SendFailedError of the attempts so far);
 *   SendFailedError when every attempt failed; a non-retriable attempt error as is
 */
export function runSendLoop<R extends SendResult | undefined>(
  deps: SendLoopDeps<R>,
  policy: SendLoopPolicy,
  outcome?: SendOutcome<R>,
): Promise<R> {
  // Without an earlier begin, or with one read in this same run, the first attempt starts when
  // the loop does (no second clock read).
  const startsAtBegin = policy.begin === undefined || policy.startsAtBegin === true;
  return new LoopRun(deps, policy, outcome).start(startsAtBegin);
}
