/**
 * How an ordered send's queue is chosen, outside the send loop: the user's selector, called with
 * its errors typed ({@link callSelector}), or — without a selector — the message's `shardingKey`,
 * which picks the queue the Java client's `SelectMessageQueueByHash` would pick
 * ({@link orderedChoice}).
 *
 * @module
 */

import { RocketMQError, SelectorError, ValidationError } from "../../errors.ts";
import { selectMessageQueueByHash } from "../../route/select-by-hash.ts";
import type { Message, MessageQueue, QueueSelector, SendOptions } from "../types.ts";

/** The selector and argument of an ordered send. */
export interface OrderedChoice {
  /** Picks the queue. */
  selector: QueueSelector;
  /** Its argument. */
  arg: unknown;
}

/**
 * How an ordered send picks its queue: the caller's `selector` with `arg`, else (no explicit
 * queue, no selector) Java's `SelectMessageQueueByHash` with the message's `shardingKey` — the
 * same send semantics as Java's `send(msg, selector, arg)`: one queue, no broker switching.
 *
 * @param options send options
 * @param message the caller's message (the first one of a batch)
 * @returns the choice, or undefined for a normal (round-robin) send
 * @throws ValidationError naming `shardingKey` when it is not a string, safe integer or bigint
 */
export function orderedChoice(
  options: SendOptions | undefined,
  message: Message,
): OrderedChoice | undefined {
  if (options?.selector !== undefined) return { selector: options.selector, arg: options.arg };
  const key = message.shardingKey;
  if (key === undefined) return undefined;
  if (
    typeof key !== "string" && typeof key !== "bigint" &&
    !(typeof key === "number" && Number.isSafeInteger(key))
  ) {
    throw new ValidationError("shardingKey", "must be a string, a safe integer or a bigint");
  }
  return { selector: selectMessageQueueByHash, arg: key };
}

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
