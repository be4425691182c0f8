/**
 * The retry loop of a send, applying its {@link RetryRules}:
 *
 * - the time budget is shared: attempt n gets `budget − elapsed`; when nothing is left before an
 *   attempt the send fails with {@link TimeoutError} (Java "sendDefaultImpl call timeout");
 * - each retry asks the selection to avoid the broker of the previous attempt;
 * - the fault strategy hears about every attempt: success → (latency, no isolation), failure →
 *   (latency, isolation), abort → (latency, no isolation), as Java does;
 * - which errors and statuses are retried is the rules' call; a non-retriable error is rethrown
 *   as is (Java rethrows the MQBrokerException), unless an earlier attempt produced a result;
 * - when the attempts run out the error is a {@link SendFailedError} listing every attempt, the
 *   brokers tried, the last response code and the last cause (or, for a fixed queue, the last
 *   attempt's own error).
 *
 * The first attempt reports to the loop object itself (it is that attempt's pending request),
 * and its outcome settles the send synchronously: one object and one promise per send. Anything
 * else continues in an async loop whose attempts are awaited.
 *
 * @module
 */

import { AbortedError, type SendAttempt, SendFailedError, TimeoutError } from "../../errors.ts";
import type { MessageQueue } from "../../route/message-queue.ts";
import { promiseFor } from "../../remoting/pending-request.ts";
import type { SendResult } from "../types.ts";
import type { SendEnd } from "./inflight.ts";
import type { RetryRules } from "./retry-rules.ts";
import { AttemptTarget, AwaitedAttempt } from "./sinks.ts";

type R = SendResult | undefined;

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

/**
 * One send's retry loop. The subclass (the send job) supplies the clock, the queue choice, the
 * attempt, the fault feedback and the send's end; this class keeps where the attempts stand and
 * the promise of the send.
 */
export abstract class RetryLoop extends AttemptTarget implements SendEnd<R> {
  /** When the send began, on the {@link now} clock (its budget counts from here). */
  readonly begin: number;
  /** Attempts made so far. */
  times = 0;
  /** Set by the promise: settle the send. */
  resolve!: (r: R | Promise<R>) => void;
  /** Set by the promise: fail the send. */
  reject!: (e: unknown) => void;
  /** The latest attempt's queue. */
  #queue: MessageQueue | undefined = undefined;
  /** The first attempt's start, from {@link begin} (a small integer, not a boxed time). */
  #startOffset = 0;
  /** What went wrong so far; allocated by the first failed or not-OK attempt only. */
  #trail: Trail | undefined = undefined;

  /** @param begin when the send began, on the {@link now} clock */
  constructor(begin: number) {
    super();
    this.begin = begin;
  }

  /** The rules of this kind of send. */
  abstract readonly rules: RetryRules;
  /** Total budget, ms, counted from {@link begin}. */
  abstract readonly timeoutMs: number;
  /** The message's topic (without namespace), for error messages. */
  abstract readonly topic: string;
  /** Millisecond clock (Date.now() in production). */
  abstract now(): number;
  /** Pick a queue, avoiding `lastBrokerName` when possible. */
  abstract select(lastBrokerName: string | undefined): MessageQueue;
  /** Start the attempt `target` (its queue, its start) with `timeoutMs` left. Never throws. */
  abstract startAttempt(target: AttemptTarget, timeoutMs: number): void;
  /** Fault strategy feedback (not called for a fixed queue). */
  abstract updateFaultItem(brokerName: string, latencyMs: number, isolation: boolean): void;
  /** False when a success's latency would be ignored: the loop then skips the clock read. */
  abstract wantsLatency(): boolean;
  /** Called before retrying, with why. */
  abstract onRetry(info: RetryInfo): void;
  /** See {@link SendEnd.succeeded}. */
  abstract succeeded(r: R): R;
  /** See {@link SendEnd.failed}. */
  abstract failed(e: unknown): never;

  /** The latest attempt's queue (the first attempt's while it is in flight). */
  get queue(): MessageQueue {
    return this.#queue!;
  }

  /** The first attempt's start (the loop is that attempt's target). */
  get bornTimestamp(): number {
    return this.begin + this.#startOffset;
  }

  /**
   * Run the attempts: the promise of the send, settled after its end was booked.
   *
   * @param startsAtBegin the run starts in the same synchronous run that read {@link begin}, with
   *   nothing slow in between: the first attempt then starts at `begin`, without a clock read
   * @returns the attempt's value (SendResult, or undefined for one-way)
   * @throws TimeoutError when the budget ran out (cause: SendFailedError of the attempts so far);
   *   SendFailedError when every attempt failed; a non-retriable attempt error as is
   */
  start(startsAtBegin: boolean): Promise<R> {
    let queue: MessageQueue;
    try {
      queue = this.select(undefined);
    } catch (e) {
      // As the loop: a failing selection ends the send.
      return RetryLoop.#ended(this, Promise.reject(e));
    }
    this.#queue = queue;
    const start = startsAtBegin ? this.begin : this.now();
    const offset = elapsedMs(this.begin, start);
    const left = this.timeoutMs - offset;
    if (left <= 0) return RetryLoop.#ended(this, RetryLoop.#finish(this, true));
    this.#startOffset = offset;
    const promise = promiseFor<R>(this);
    this.startAttempt(this, left);
    return promise;
  }

  /** `p` with the send's end booked (the slow paths). */
  static #ended(run: RetryLoop, p: Promise<R>): Promise<R> {
    return p.then((r) => run.succeeded(r), (e) => run.failed(e));
  }

  /** The first attempt produced `r` (at most one outcome of the first attempt counts). */
  ok(r: R): void {
    if (this.times !== 0) return;
    try {
      if (!RetryLoop.#afterSuccess(this, this.#queue!, this.begin + this.#startOffset, r)) {
        this.resolve(RetryLoop.#ended(this, RetryLoop.#continue(this)));
        return;
      }
      this.resolve(this.succeeded(r));
    } catch (e) {
      this.reject(e);
    }
  }

  /** The first attempt failed with `e` (a second outcome would run the loop twice: ignored). */
  fail(e: unknown): void {
    if (this.times !== 0) return;
    try {
      RetryLoop.#afterFailure(this, this.#queue!, this.begin + this.#startOffset, e);
    } catch (end) {
      try {
        this.failed(end);
      } catch (failed) {
        this.reject(failed);
      }
      return;
    }
    this.resolve(RetryLoop.#ended(this, RetryLoop.#continue(this)));
  }

  // The loop's steps are static: private instance methods would add a brand field to every
  // send in flight.

  /**
   * Book a successful attempt; true when `r` is the send's result, false to go on (a not-OK
   * status retried).
   */
  static #afterSuccess(run: RetryLoop, queue: MessageQueue, start: number, r: R): boolean {
    const times = run.times++;
    const rules = run.rules;
    if (!rules.fixed && run.wantsLatency()) {
      run.updateFaultItem(queue.brokerName, run.now() - start, false);
    }
    if (r !== undefined && r.status !== "SEND_OK" && rules.retryNotOk) {
      RetryLoop.#trailOf(run).notOk = r;
      if (times + 1 < rules.maxAttempts) run.onRetry({ attempt: times, queue, result: r });
      return false;
    }
    return true;
  }

  /**
   * Book a failed attempt; returns to go on, throws when the send ends here (non-retriable or
   * aborted). An earlier not-OK result is then returned instead: thrown as `NotOkResult`.
   */
  static #afterFailure(run: RetryLoop, queue: MessageQueue, start: number, e: unknown): void {
    const times = run.times++;
    const rules = run.rules;
    const elapsedMs = run.now() - start;
    const aborted = e instanceof AbortedError;
    if (!rules.fixed) run.updateFaultItem(queue.brokerName, elapsedMs, !aborted);
    const error = asError(e);
    const trail = RetryLoop.#trailOf(run);
    trail.attempts.push({ brokerName: queue.brokerName, queueId: queue.queueId, elapsedMs, error });
    if (aborted || !rules.retryOn(e)) {
      if (trail.notOk !== undefined) throw new NotOkResult(trail.notOk);
      throw e;
    }
    if (times + 1 < rules.maxAttempts) run.onRetry({ attempt: times, queue, error });
  }

  static #trailOf(run: RetryLoop): Trail {
    return run.#trail ??= { attempts: [], notOk: undefined };
  }

  /** The attempts after the first, each awaited. */
  static async #continue(run: RetryLoop): Promise<R> {
    const rules = run.rules;
    try {
      for (; run.times < rules.maxAttempts;) {
        const queue = run.select(run.#queue?.brokerName);
        run.#queue = queue;
        const start = run.now();
        const left = run.timeoutMs - elapsedMs(run.begin, start);
        if (left <= 0) return RetryLoop.#finish(run, true);
        const attempt = new AwaitedAttempt(run, queue, start);
        run.startAttempt(attempt, left);
        let r: R;
        try {
          r = await attempt.promise;
        } catch (e) {
          RetryLoop.#afterFailure(run, queue, start, e);
          continue;
        }
        if (RetryLoop.#afterSuccess(run, queue, start, r)) return r;
      }
    } catch (e) {
      if (e instanceof NotOkResult) return e.result;
      throw e;
    }
    return RetryLoop.#finish(run, false);
  }

  /** The attempts ran out (or the budget did): the not-OK result, or the final error. */
  static #finish(run: RetryLoop, callTimeout: boolean): Promise<R> {
    const trail = run.#trail;
    if (trail?.notOk !== undefined) return Promise.resolve(trail.notOk);
    const attempts = trail?.attempts ?? [];
    const last = attempts.at(-1)?.error;
    if (!callTimeout && last !== undefined && !run.rules.wrapFinalError) {
      return Promise.reject(last);
    }
    const elapsed = run.now() - run.begin;
    const topic = run.topic;
    const failed = new SendFailedError(
      `Send [${run.times}] times, still failed, cost [${elapsed}]ms, Topic: ${topic}, ` +
        `BrokersSent: [${attempts.map((a) => a.brokerName).join(", ")}]` +
        (last ? `: ${last.message}` : ""),
      attempts,
      last instanceof Error && "retriable" in last ? Boolean(last.retriable) : true,
      last,
    );
    if (!callTimeout) return Promise.reject(failed);
    return Promise.reject(
      new TimeoutError(
        `send to ${topic} timed out: budget of ${run.timeoutMs} ms spent after ${attempts.length} attempt(s)`,
        run.timeoutMs,
        { cause: failed },
      ),
    );
  }
}

/** The failed attempts of a send, and its latest not-OK result (retryNotOk). */
interface Trail {
  attempts: SendAttempt[];
  notOk: SendResult | undefined;
}

/** Carries an earlier not-OK result out of a failed attempt's booking (never escapes the loop). */
class NotOkResult {
  readonly result: SendResult;
  constructor(result: SendResult) {
    this.result = result;
  }
}
