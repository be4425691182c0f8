/**
 * How an ordered send's queue is chosen, outside the send loop: the user's selector, called with
 * its errors typed ({@link callSelector}).
 *
 * @module
 */

import { RocketMQError, SelectorError } from "../errors.ts";
import type { Message, MessageQueue, QueueSelector } from "./types.ts";

/**
 * Call a queue selector; whatever it throws becomes a {@link SelectorError} naming it, with the
 * thrown value as `cause` (a `RocketMQError` it threw on purpose, e.g. from
 * `selectMessageQueueByHash`, passes through unchanged).
 *
 * @param selector the selector
 * @param queues the topic's queues (topic without namespace)
 * @param message the caller's message
 * @param arg the selector's argument
 * @returns what the selector returned (checked by the caller)
 * @throws SelectorError when the selector throws
 */
export function callSelector(
  selector: QueueSelector,
  queues: readonly MessageQueue[],
  message: Message,
  arg: unknown,
): MessageQueue {
  try {
    return selector(queues, message, arg);
  } catch (e) {
    if (e instanceof RocketMQError) throw e;
    throw new SelectorError(selector.name === "" ? "anonymous" : `"${selector.name}"`, e);
  }
}
