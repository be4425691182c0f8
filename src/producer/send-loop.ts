/**
 * The retry loop of a send (Java `sendDefaultImpl`, and `onExceptionImpl` for async sends), free
 * of I/O so the budget and retry rules are unit-testable with a fake clock:
 *
 * - the time budget is shared: attempt n gets `budget − elapsed`; when nothing is left before an
 *   attempt the send fails with {@link TimeoutError} (Java "sendDefaultImpl call timeout");
 * - each retry asks the selector to avoid the broker of the previous attempt;
 * - the fault strategy hears about every attempt: success → (latency, no isolation), failure →
 *   (latency, isolation), abort → (latency, no isolation), as Java does;
 * - which errors are retried is the policy's call ({@link syncRetryPolicy}, {@link asyncRetryPolicy});
 *   a non-OK status is retried only with `retryNotOk` (retryAnotherBrokerWhenNotStoreOK);
 * - when the attempts run out the error is a {@link SendFailedError} listing every attempt, the
 *   brokers tried, the last response code and the last cause. A non-retriable error is rethrown
 *   as is (Java rethrows the MQBrokerException), unless an earlier attempt produced a result.
 *
 * @module
 */

import { AbortedError, type SendAttempt, SendFailedError, TimeoutError } from "../errors.ts";
import type { MessageQueue } from "../route/message-queue.ts";
import type { SendResult } from "./types.ts";

export { asyncRetryPolicy, syncRetryPolicy } from "./retry-policy.ts";

/** Receives one attempt's outcome (see `SendLoopDeps.attemptTo`); never throws. */
export interface AttemptSink<R> {
  /** The attempt produced `r`. */
  ok(r: R): void;
  /** The attempt failed with `e`. */
  fail(e: unknown): void;
}

/** Why an attempt is retried. */
export interface RetryInfo {
  /** Index of the failed attempt (0-based). */
  attempt: number;
  /** Queue of the failed attempt. */
  queue: MessageQueue;
  /** The error, when it failed. */
  error?: Error;
  /** The result, when the status was not SEND_OK. */
  result?: SendResult;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * `to − from` as a small integer where it fits one (int32): V8 then keeps it unboxed in the
 * objects of a send in flight, where the difference of two boxed clock readings would be one
 * more boxed number each (copied by every scavenge). Clock readings are whole milliseconds.
 */
function elapsedMs(from: number, to: number): number {
  const d = to - from;
  return d === (d | 0) ? d | 0 : d;
}

// Shared promise executor (see SendRun.start): no closure per send.
type Settlers = { resolve(r: unknown): void; reject(e: unknown): void };
let capturing: Settlers | undefined;
function captureRun(resolve: (r: never) => void, reject: (e: unknown) => void): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}

/**
 * One send's retry loop, as a base class: the subclass is the loop's dependencies and policy
 * (the members named as in `SendLoopDeps` and `SendLoopPolicy`) and this class keeps
 * where the attempts stand, the promise of the send and the sink of its first attempt. The
 * producer's send job extends it, so a send in flight is one object here, not a job, a loop
 * state and a sink (every scavenge copies what each send in flight keeps alive).
 *
 * The first attempt's outcome is booked and handed to the caller synchronously (one promise per
 * send); anything else continues in an async loop.
 */
export abstract class SendRun<R extends SendResult | undefined> implements AttemptSink<R> {
  /** When the send began, on the {@link now} clock (its budget counts from here). */
  readonly begin: number;
  /** Attempts made so far. */
  times = 0;
  /** Set by the promise executor: settle the send. */
  resolve!: (r: R | Promise<R>) => void;
  /** Set by the promise executor: fail the send. */
  reject!: (e: unknown) => void;
  /** The latest attempt's queue. */
  #queue: MessageQueue | undefined = undefined;
  /** The first attempt's start, from {@link begin} (a small integer, not a boxed time). */
  #startOffset = 0;
  /** What went wrong so far; allocated by the first failed or not-OK attempt only. */
  #trail: Trail<R> | undefined = undefined;

  /** @param begin when the send began, on the {@link now} clock */
  constructor(begin: number) {
    this.begin = begin;
  }

  /** Millisecond clock. */
  abstract now(): number;
  /** Pick a queue, avoiding `lastBrokerName` when possible (fault strategy). */
  abstract select(lastBrokerName: string | undefined): MessageQueue;
  /** One attempt with `timeoutMs` left. */
  abstract attempt(queue: MessageQueue, timeoutMs: number, attemptIndex: number): Promise<R>;
  /** Fault strategy feedback. */
  abstract updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void;
  /** Attempts in total (≥ 1). */
  abstract readonly maxAttempts: number;
  /** Total budget, ms, counted from {@link begin}. */
  abstract readonly timeoutMs: number;
  /** Retry when the status is not SEND_OK (retryAnotherBrokerWhenNotStoreOK). */
  abstract readonly retryNotOk: boolean;
  /** Topic, for error messages. */
  abstract readonly topic: string;
  /** The caller's bookkeeping of the send's end, run before the send settles; if any. */
  abstract readonly outcome: SendOutcome<R> | undefined;
  /** Whether an attempt's error may be retried on another broker. */
  abstract retryOn(error: unknown): boolean;

  /**
   * Start the first attempt reporting to this run (its {@link ok} / {@link fail}) instead of a
   * promise; `now` is its start. False when it cannot (nothing started): the loop then calls
   * {@link attempt}. See `SendLoopDeps.attemptTo`.
   */
  attemptTo(_queue: MessageQueue, _timeoutMs: number, _now: number): boolean {
    return false;
  }

  /** False when {@link updateFaultItem} would ignore a success (see `SendLoopDeps.wantsLatency`). */
  wantsLatency(): boolean {
    return true;
  }

  /** Called before retrying, with why. */
  onRetry(_info: RetryInfo): void {}

  /** See `SendLoopPolicy.wrapFinalError`. */
  get wrapFinalError(): boolean {
    return true;
  }

  /** The latest attempt's queue (the first attempt's while it is in flight). */
  get queue(): MessageQueue {
    return this.#queue!;
  }

  /**
   * Run the attempts: the promise of the send.
   *
   * @param startsAtBegin the run starts in the same synchronous run that read {@link begin}, with
   *   nothing slow in between: the first attempt then starts at `begin`, without a clock read
   * @returns the attempt's value (SendResult, or undefined for one-way)
   * @throws TimeoutError when the budget ran out (cause: SendFailedError of the attempts so far);
   *   SendFailedError when every attempt failed; a non-retriable attempt error as is
   */
  start(startsAtBegin: boolean): Promise<R> {
    const outcome = this.outcome;
    if (this.maxAttempts < 1) return withOutcome(SendRun.#continue(this), outcome);
    let queue: MessageQueue;
    try {
      queue = this.select(undefined);
    } catch (e) {
      // As the loop: a failing selection ends the send.
      return withOutcome(Promise.reject(e), outcome);
    }
    this.#queue = queue;
    const start = startsAtBegin ? this.begin : this.now();
    const offset = elapsedMs(this.begin, start);
    const left = this.timeoutMs - offset;
    if (left <= 0) return withOutcome(SendRun.#finish(this, true), outcome);
    this.#startOffset = offset;
    capturing = this as Settlers;
    const promise = new Promise<R>(captureRun);
    capturing = undefined;
    try {
      if (!this.attemptTo(queue, left, start)) {
        this.attempt(queue, left, 0).then((r) => this.ok(r), (e) => this.fail(e));
      }
    } catch (e) {
      this.fail(e); // a throwing attempt is a failed attempt
    }
    return promise;
  }

  /** The first attempt produced `r` (at most one outcome of the first attempt counts). */
  ok(r: R): void {
    if (this.times !== 0) return;
    const outcome = this.outcome;
    try {
      if (!SendRun.#afterSuccess(this, this.#queue!, this.begin + this.#startOffset, r)) {
        this.resolve(withOutcome(SendRun.#continue(this), outcome));
        return;
      }
      this.resolve(outcome === undefined ? r : outcome.succeeded(r));
    } catch (e) {
      this.reject(e);
    }
  }

  /** The first attempt failed with `e` (a second outcome would run the loop twice: ignored). */
  fail(e: unknown): void {
    if (this.times !== 0) return;
    const outcome = this.outcome;
    try {
      SendRun.#afterFailure(this, this.#queue!, this.begin + this.#startOffset, e);
    } catch (end) {
      if (outcome === undefined) this.reject(end);
      else {
        try {
          outcome.failed(end);
        } catch (failed) {
          this.reject(failed);
        }
      }
      return;
    }
    this.resolve(withOutcome(SendRun.#continue(this), outcome));
  }

  // The loop's steps are static: private instance methods would add a brand field to every
  // send in flight.

  /**
   * Book a successful attempt; true when `r` is the send's result, false to go on (a not-OK
   * status with retryNotOk).
   */
  static #afterSuccess<R extends SendResult | undefined>(
    run: SendRun<R>,
    queue: MessageQueue,
    start: number,
    r: R,
  ): boolean {
    const times = run.times++;
    if (run.wantsLatency()) run.updateFaultItem(queue.brokerName, run.now() - start, false);
    if (r !== undefined && r.status !== "SEND_OK" && run.retryNotOk) {
      SendRun.#trailOf(run).notOk = r;
      if (times + 1 < run.maxAttempts) run.onRetry({ attempt: times, queue, result: r });
      return false;
    }
    return true;
  }

  /**
   * Book a failed attempt; returns to go on, throws when the send ends here (non-retriable or
   * aborted). An earlier not-OK result is then returned instead: thrown as `NotOkResult`.
   */
  static #afterFailure<R extends SendResult | undefined>(
    run: SendRun<R>,
    queue: MessageQueue,
    start: number,
    e: unknown,
  ): void {
    const times = run.times++;
    const elapsedMs = run.now() - start;
    const aborted = e instanceof AbortedError;
    run.updateFaultItem(queue.brokerName, elapsedMs, !aborted);
    const error = asError(e);
    const trail = SendRun.#trailOf(run);
    trail.attempts.push({ brokerName: queue.brokerName, queueId: queue.queueId, elapsedMs, error });
    if (aborted || !run.retryOn(e)) {
      if (trail.notOk !== undefined) throw new NotOkResult(trail.notOk);
      throw e;
    }
    if (times + 1 < run.maxAttempts) run.onRetry({ attempt: times, queue, error });
  }

  /** The remaining attempts, after {@link times} were made. */
  static #trailOf<R extends SendResult | undefined>(run: SendRun<R>): Trail<R> {
    return run.#trail ??= { attempts: [], notOk: undefined };
  }

  static async #continue<R extends SendResult | undefined>(run: SendRun<R>): Promise<R> {
    try {
      for (; run.times < run.maxAttempts;) {
        const queue = run.select(run.#queue?.brokerName);
        run.#queue = queue;
        const start = run.now();
        const left = run.timeoutMs - elapsedMs(run.begin, start);
        if (left <= 0) return SendRun.#finish(run, true);
        let r: R;
        try {
          r = await run.attempt(queue, left, run.times);
        } catch (e) {
          SendRun.#afterFailure(run, queue, start, e);
          continue;
        }
        if (SendRun.#afterSuccess(run, queue, start, r)) return r;
      }
    } catch (e) {
      if (e instanceof NotOkResult) return e.result as R;
      throw e;
    }
    return SendRun.#finish(run, false);
  }

  /** The attempts ran out (or the budget did): the not-OK result, or the final error. */
  static #finish<R extends SendResult | undefined>(
    run: SendRun<R>,
    callTimeout: boolean,
  ): Promise<R> {
    const trail = run.#trail;
    if (trail?.notOk !== undefined) return Promise.resolve(trail.notOk);
    const attempts = trail?.attempts ?? [];
    const last = attempts.at(-1)?.error;
    if (!callTimeout && last !== undefined && !run.wrapFinalError) return Promise.reject(last);
    const elapsed = run.now() - run.begin;
    const failed = new SendFailedError(
      `Send [${run.times}] times, still failed, cost [${elapsed}]ms, Topic: ${run.topic}, ` +
        `BrokersSent: [${attempts.map((a) => a.brokerName).join(", ")}]` +
        (last ? `: ${last.message}` : ""),
      attempts,
      last instanceof Error && "retriable" in last ? Boolean(last.retriable) : true,
      last,
    );
    if (callTimeout) {
      return Promise.reject(
        new TimeoutError(
          `send to ${run.topic} timed out: budget of ${run.timeoutMs} ms spent after ${attempts.length} attempt(s)`,
          run.timeoutMs,
          { cause: failed },
        ),
      );
    }
    return Promise.reject(failed);
  }
}

/** The failed attempts of a send, and its latest not-OK result (retryNotOk). */
interface Trail<R> {
  attempts: SendAttempt[];
  notOk: R | undefined;
}

/** Carries an earlier not-OK result out of a failed attempt's booking (never escapes the loop). */
class NotOkResult<R> {
  readonly result: R;
  constructor(result: R) {
    this.result = result;
  }
}

/**
 * The caller's bookkeeping of a send's end, run inside the loop's own reaction: on the common
 * path (first attempt answered) the caller needs no reaction of its own.
 */
export interface SendOutcome<R> {
  /** The send succeeded with `r`; returns what the send resolves with (or throws). */
  succeeded(r: R): R;
  /** The send failed with `e`; throws what the send rejects with. */
  failed(e: unknown): never;
}

/** `p` with `outcome` applied (the loop's slow paths). */
export function withOutcome<R>(p: Promise<R>, outcome: SendOutcome<R> | undefined): Promise<R> {
  if (outcome === undefined) return p;
  return p.then((r) => outcome.succeeded(r), (e) => outcome.failed(e));
}
