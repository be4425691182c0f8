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

/** Receives one attempt's outcome (see {@link SendLoopDeps.attemptTo}); never throws. */
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

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Where a send's attempts stand (shared by the first attempt and the loop). */
interface LoopState<R> {
  readonly begin: number;
  attempts: SendAttempt[] | undefined;
  lastBroker: string | undefined;
  notOk: R | undefined;
  /** Attempts made so far. */
  times: number;
}

// Shared promise executor (see LoopRun.open): no closure per send.
type Settlers = { resolve(r: unknown): void; reject(e: unknown): void };
let capturing: Settlers | undefined;
function captureRun(resolve: (r: never) => void, reject: (e: unknown) => void): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}

/**
 * One send: its {@link LoopState}, the promise it resolves, and the sink of its first attempt,
 * in one object. The first attempt's outcome is booked and handed to the caller synchronously
 * (one promise per send); anything else continues in {@link continueLoop}.
 */
class LoopRun<R extends SendResult | undefined> implements LoopState<R>, AttemptSink<R> {
  readonly begin: number;
  attempts: SendAttempt[] | undefined = undefined;
  lastBroker: string | undefined = undefined;
  notOk: R | undefined = undefined;
  times = 0;
  resolve!: (r: R | Promise<R>) => void;
  reject!: (e: unknown) => void;
  readonly #deps: SendLoopDeps<R>;
  readonly #policy: SendLoopPolicy;
  readonly #outcome: SendOutcome<R> | undefined;
  #queue: MessageQueue | undefined;
  #start = 0;
  #settled = false;

  constructor(
    deps: SendLoopDeps<R>,
    policy: SendLoopPolicy,
    begin: number,
    outcome: SendOutcome<R> | undefined,
  ) {
    this.#deps = deps;
    this.#policy = policy;
    this.begin = begin;
    this.#outcome = outcome;
  }

  /** The promise of the send, whose first attempt on `queue` starts at `start`. */
  open(queue: MessageQueue, start: number): Promise<R> {
    this.#queue = queue;
    this.#start = start;
    capturing = this as Settlers;
    const promise = new Promise<R>(captureRun);
    capturing = undefined;
    return promise;
  }

  ok(r: R): void {
    if (this.#settled) return;
    this.#settled = true;
    const outcome = this.#outcome;
    try {
      if (!afterSuccess(this.#deps, this.#policy, this, this.#queue!, this.#start, r)) {
        this.resolve(withOutcome(continueLoop(this.#deps, this.#policy, this), outcome));
        return;
      }
      this.resolve(outcome === undefined ? r : outcome.succeeded(r));
    } catch (e) {
      this.reject(e);
    }
  }

  fail(e: unknown): void {
    // At most one outcome per first attempt: a second would run the loop twice.
    if (this.#settled) return;
    this.#settled = true;
    const outcome = this.#outcome;
    try {
      afterFailure(this.#deps, this.#policy, this, this.#queue!, this.#start, e);
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
    this.resolve(withOutcome(continueLoop(this.#deps, this.#policy, this), outcome));
  }
}

/**
 * Run the attempts of one send.
 *
 * The first attempt reports straight to the send's own promise (through
 * {@link SendLoopDeps.attemptTo} when available): most sends succeed at once. Anything else
 * continues in {@link continueLoop}.
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
  const run = new LoopRun(deps, policy, policy.begin ?? deps.now(), outcome);
  if (policy.maxAttempts < 1) return withOutcome(continueLoop(deps, policy, run), outcome);
  let queue: MessageQueue;
  try {
    queue = deps.select(undefined);
  } catch (e) {
    // As the loop: a failing selection ends the send.
    return withOutcome(Promise.reject(e), outcome);
  }
  run.lastBroker = queue.brokerName;
  // Without an earlier begin, or one read in this same run, the first attempt starts when the
  // loop does (no second clock read).
  const start = policy.begin === undefined || policy.startsAtBegin === true
    ? run.begin
    : deps.now();
  const left = policy.timeoutMs - (start - run.begin);
  if (left <= 0) return withOutcome(finish(deps, policy, run, true), outcome);
  const promise = run.open(queue, start);
  try {
    if (deps.attemptTo === undefined || !deps.attemptTo(queue, left, 0, run, start)) {
      deps.attempt(queue, left, 0).then((r) => run.ok(r), (e) => run.fail(e));
    }
  } catch (e) {
    run.fail(e); // a throwing attempt is a failed attempt
  }
  return promise;
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

/**
 * Book a successful attempt; true when `r` is the send's result, false to go on (a not-OK
 * status with retryNotOk).
 */
function afterSuccess<R extends SendResult | undefined>(
  deps: SendLoopDeps<R>,
  policy: SendLoopPolicy,
  state: LoopState<R>,
  queue: MessageQueue,
  start: number,
  r: R,
): boolean {
  const times = state.times++;
  if (deps.wantsLatency?.() !== false) {
    deps.updateFaultItem(queue.brokerName, deps.now() - start, false);
  }
  if (r !== undefined && r.status !== "SEND_OK" && policy.retryNotOk) {
    state.notOk = r;
    if (times + 1 < policy.maxAttempts) deps.onRetry?.({ attempt: times, queue, result: r });
    return false;
  }
  return true;
}

/**
 * Book a failed attempt; returns to go on, throws when the send ends here (non-retriable or
 * aborted). An earlier not-OK result is then returned instead: thrown as `NotOkResult`.
 */
function afterFailure<R extends SendResult | undefined>(
  deps: SendLoopDeps<R>,
  policy: SendLoopPolicy,
  state: LoopState<R>,
  queue: MessageQueue,
  start: number,
  e: unknown,
): void {
  const times = state.times++;
  const elapsedMs = deps.now() - start;
  const aborted = e instanceof AbortedError;
  deps.updateFaultItem(queue.brokerName, elapsedMs, !aborted);
  const error = asError(e);
  (state.attempts ??= []).push({
    brokerName: queue.brokerName,
    queueId: queue.queueId,
    elapsedMs,
    error,
  });
  if (aborted || !policy.retryOn(e)) {
    if (state.notOk !== undefined) throw new NotOkResult(state.notOk);
    throw e;
  }
  if (times + 1 < policy.maxAttempts) deps.onRetry?.({ attempt: times, queue, error });
}

/** Carries an earlier not-OK result out of {@link afterFailure} (never escapes the loop). */
class NotOkResult<R> {
  readonly result: R;
  constructor(result: R) {
    this.result = result;
  }
}

/** The remaining attempts, after `state.times` were made. */
async function continueLoop<R extends SendResult | undefined>(
  deps: SendLoopDeps<R>,
  policy: SendLoopPolicy,
  state: LoopState<R>,
): Promise<R> {
  try {
    for (; state.times < policy.maxAttempts;) {
      const queue = deps.select(state.lastBroker);
      state.lastBroker = queue.brokerName;
      const start = deps.now();
      const left = policy.timeoutMs - (start - state.begin);
      if (left <= 0) return finish(deps, policy, state, true);
      let r: R;
      try {
        r = await deps.attempt(queue, left, state.times);
      } catch (e) {
        afterFailure(deps, policy, state, queue, start, e);
        continue;
      }
      if (afterSuccess(deps, policy, state, queue, start, r)) return r;
    }
  } catch (e) {
    if (e instanceof NotOkResult) return e.result as R;
    throw e;
  }
  return finish(deps, policy, state, false);
}

/** The attempts ran out (or the budget did): the not-OK result, or the final error. */
function finish<R extends SendResult | undefined>(
  deps: SendLoopDeps<R>,
  policy: SendLoopPolicy,
  state: LoopState<R>,
  callTimeout: boolean,
): Promise<R> {
  if (state.notOk !== undefined) return Promise.resolve(state.notOk);
  const attempts = state.attempts ?? [];
  const last = attempts.at(-1)?.error;
  if (!callTimeout && last !== undefined && policy.wrapFinalError === false) {
    return Promise.reject(last);
  }
  const elapsed = deps.now() - state.begin;
  const failed = new SendFailedError(
    `Send [${state.times}] times, still failed, cost [${elapsed}]ms, Topic: ${policy.topic}, ` +
      `BrokersSent: [${attempts.map((a) => a.brokerName).join(", ")}]` +
      (last ? `: ${last.message}` : ""),
    attempts,
    last instanceof Error && "retriable" in last ? Boolean(last.retriable) : true,
    last,
  );
  if (callTimeout) {
    return Promise.reject(
      new TimeoutError(
        `send to ${policy.topic} timed out: budget of ${policy.timeoutMs} ms spent after ${attempts.length} attempt(s)`,
        policy.timeoutMs,
        { cause: failed },
      ),
    );
  }
  return Promise.reject(failed);
}
