/**
 * Errors of a producer used the wrong way, worded to say what to do: a send before `start()` or
 * after `shutdown()`, and `sendAsync` without a callback.
 *
 * @module
 */

import { StateError, ValidationError } from "../errors.ts";
import type { ProducerState, SendCallback } from "./types.ts";

/**
 * The error of a call that needs a running producer (Java: "The producer service state not OK"),
 * followed by what to do in the current state.
 *
 * @param state the producer's state
 * @returns the StateError
 */
export function notRunningError(state: ProducerState): StateError {
  const what = state === "CREATE_JUST"
    ? "call start() first (and await it)"
    : state === "START_FAILED"
    ? "start() failed; create a new producer and start it"
    : "the producer was shut down; create a new producer";
  return new StateError(state, `The producer service state not OK: ${what}`);
}

/**
 * `sendAsync` needs a callback with both methods: without one the outcome would be lost.
 *
 * @param callback the caller's callback
 * @throws ValidationError naming `callback`
 */
export function checkSendCallback(callback: SendCallback | undefined): void {
  if (
    callback === null || typeof callback !== "object" ||
    typeof callback.onSuccess !== "function" || typeof callback.onException !== "function"
  ) {
    throw new ValidationError(
      "callback",
      "sendAsync needs { onSuccess(result), onException(error) }; use send() to await the result",
    );
  }
}
