/**
 * The retry rules of a send, per mode, in one place (Java `sendDefaultImpl` for awaited sends,
 * `onExceptionImpl` for async ones, `send(msg, mq)` / `sendSelectImpl` for a fixed queue). The
 * retry loop (retry-loop.ts) applies them; it decides nothing by itself.
 *
 * - SYNC: 1 + retryTimesWhenSendFailed attempts; {@link syncRetryOn} errors retried; a not-OK
 *   status retried with retryAnotherBrokerWhenNotStoreOK; out of attempts: `SendFailedError`.
 * - SYNC to a fixed queue: 1 attempt; its own error.
 * - ASYNC (fixed queue or not): 1 + retryTimesWhenSendAsyncFailed attempts; only
 *   {@link asyncRetryOn} errors (no answer) retried; out of attempts: `SendFailedError`, or the
 *   last attempt's own error when fixed.
 * - ONEWAY: 1 attempt.
 * - A fixed queue (explicit or chosen by a selector) is neither switched nor fed to the fault
 *   strategy (Java feeds it only from `sendDefaultImpl`).
 *
 * Whatever the kind, the budget is shared by every attempt, a retry avoids the broker of the
 * previous attempt (unless fixed: the same queue), and a spent budget is a `TimeoutError`.
 *
 * @module
 */

import {
  BrokerError,
  ConnectionError,
  ProtocolError,
  RETRIABLE_BROKER_CODES,
  RouteNotFoundError,
  TimeoutError,
} from "../../errors.ts";
import type { CommunicationMode } from "../types.ts";

/** Retry settings of the producer (its options of the same names). */
export interface RetrySettings {
  /** Extra awaited-send attempts. */
  retryTimesWhenSendFailed: number;
  /** Extra async-send attempts. */
  retryTimesWhenSendAsyncFailed: number;
  /** Retry on a not-OK status. */
  retryAnotherBrokerWhenNotStoreOK: boolean;
}

/** The rules of one kind of send (see the module table). */
export interface RetryRules {
  /** Communication mode. */
  readonly mode: CommunicationMode;
  /** Pinned to one queue (explicit or chosen by a selector): no broker switch, no fault feedback. */
  readonly fixed: boolean;
  /** Attempts in total (≥ 1). */
  readonly maxAttempts: number;
  /** Whether an attempt's error may be retried. */
  readonly retryOn: (error: unknown) => boolean;
  /** Retry when the status is not SEND_OK (retryAnotherBrokerWhenNotStoreOK). */
  readonly retryNotOk: boolean;
  /**
   * A send that ran out of attempts rejects with a `SendFailedError` listing them (Java
   * sendDefaultImpl's "Send [N] times, still failed"), or with the last attempt's own error
   * (Java `send(msg, mq)` / `sendSelectImpl`, which have no retry loop of their own).
   */
  readonly wrapFinalError: boolean;
}

/**
 * Awaited sends (Java sync mode): transport errors, protocol errors, unknown brokers and broker
 * codes 1, 2, 14, 16, 17, 204, 205 are retried.
 *
 * @param e the attempt's error
 * @returns true to retry
 */
export function syncRetryOn(e: unknown): boolean {
  if (e instanceof BrokerError) return RETRIABLE_BROKER_CODES.has(e.responseCode);
  return e instanceof ConnectionError || e instanceof TimeoutError ||
    e instanceof ProtocolError || e instanceof RouteNotFoundError;
}

/**
 * `sendAsync` (Java `onExceptionImpl`): only failures to get an answer are retried — the request
 * could not be written, or no response came in time. Broker answers are final.
 *
 * @param e the attempt's error
 * @returns true to retry
 */
export function asyncRetryOn(e: unknown): boolean {
  return e instanceof ConnectionError || e instanceof TimeoutError;
}

/**
 * The rules of a kind of send.
 *
 * @param mode communication mode
 * @param fixed pinned to one queue
 * @param settings the producer's retry settings
 * @returns the rules
 */
export function retryRules(
  mode: CommunicationMode,
  fixed: boolean,
  settings: RetrySettings,
): RetryRules {
  // Java: one-way sends and awaited sends to a fixed queue make one attempt; async sends retry
  // transport failures (onExceptionImpl) even to a fixed queue, on the same broker.
  const maxAttempts = mode === "ONEWAY"
    ? 1
    : mode === "ASYNC"
    ? 1 + settings.retryTimesWhenSendAsyncFailed
    : fixed
    ? 1
    : 1 + settings.retryTimesWhenSendFailed;
  return {
    mode,
    fixed,
    maxAttempts,
    retryOn: mode === "ASYNC" ? asyncRetryOn : syncRetryOn,
    retryNotOk: mode === "SYNC" && !fixed && settings.retryAnotherBrokerWhenNotStoreOK,
    wrapFinalError: !fixed,
  };
}
