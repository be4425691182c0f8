/**
 * Which failed attempts a send retries, per mode (Java `sendDefaultImpl` for awaited sends,
 * `onExceptionImpl` for async ones). Used by the send loop's policy.
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
} from "../errors.ts";

/**
 * Awaited sends (Java sync mode): transport errors, protocol errors, unknown brokers and broker
 * codes 1, 2, 14, 16, 17, 204, 205 are retried.
 *
 * @param e the attempt's error
 * @returns true to retry
 */
export function syncRetryPolicy(e: unknown): boolean {
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
export function asyncRetryPolicy(e: unknown): boolean {
  return e instanceof ConnectionError || e instanceof TimeoutError;
}
