/**
 * Queue choice of a send: the caller's explicit queue (Java `send(msg, mq)`), a selector's pick
 * (Java `sendSelectImpl`), or the fault strategy's pick among the topic's queues, avoiding the
 * broker of the previous attempt (Java `selectOneMessageQueue`). An explicit or selected queue
 * is fixed: every attempt of the send goes to it.
 *
 * @module
 */

import { ValidationError } from "../../errors.ts";
import type { MQFaultStrategy } from "../../fault/fault-strategy.ts";
import type { TopicPublishInfo } from "../../route/publish-info.ts";
import { withoutNamespace, wrapNamespace } from "../../client/namespace.ts";
import type { Message, MessageQueue, SendOptions } from "../types.ts";
import { callSelector, orderedChoice } from "./ordered.ts";

/**
 * Java `send(msg, mq)`: the explicit queue must be of the message's topic.
 *
 * @param queue the caller's queue (topic without namespace)
 * @param topic the message's topic
 * @throws ValidationError naming `queue.topic`
 */
export function checkExplicitQueue(queue: MessageQueue, topic: string): void {
  if (queue === null || typeof queue !== "object" || queue.topic !== topic) {
    throw new ValidationError("queue.topic", "message's topic not equal mq's topic");
  }
}

function wireQueue(q: MessageQueue, namespace: string | undefined): MessageQueue {
  return { topic: wrapNamespace(namespace, q.topic), brokerName: q.brokerName, queueId: q.queueId };
}

/**
 * The queue a send is pinned to: the explicit queue, or the selector's (or the `shardingKey`
 * hash's) choice among the topic's queues shown without namespace; undefined for a normal send.
 *
 * @param options send options
 * @param info the topic's publish info (undefined with an explicit queue)
 * @param message the caller's message (passed to the selector)
 * @param namespace namespace, if any
 * @returns the wire queue, or undefined
 * @throws ValidationError naming `selector` when the selector returns no queue; SelectorError when
 *   it throws
 */
export function fixedQueue(
  options: SendOptions | undefined,
  info: TopicPublishInfo | undefined,
  message: Message,
  namespace: string | undefined,
): MessageQueue | undefined {
  if (options?.queue !== undefined) return wireQueue(options.queue, namespace);
  const ordered = orderedChoice(options, message); // selector, or the message's shardingKey
  if (ordered === undefined) return undefined;
  const queues = info!.messageQueueList.map((q) => ({
    topic: withoutNamespace(namespace, q.topic),
    brokerName: q.brokerName,
    queueId: q.queueId,
  }));
  const chosen = callSelector(ordered.selector, queues, message, ordered.arg);
  if (chosen === null || typeof chosen !== "object" || typeof chosen.brokerName !== "string") {
    throw new ValidationError("selector", "select message queue return null.");
  }
  return wireQueue(chosen, namespace);
}

/**
 * The queue of one attempt: the fixed queue, or the fault strategy's pick avoiding the last
 * broker.
 *
 * @param fault the producer's fault strategy
 * @param source the fixed queue (`fixed`), or the publish info to choose from
 * @param fixed whether `source` is a fixed queue
 * @param lastBrokerName the previous attempt's broker, if any
 * @returns the queue (wire topic)
 */
export function chooseQueue(
  fault: MQFaultStrategy,
  source: MessageQueue | TopicPublishInfo,
  fixed: boolean,
  lastBrokerName: string | undefined,
): MessageQueue {
  if (fixed) return source as MessageQueue;
  return fault.selectOneMessageQueue(source as TopicPublishInfo, lastBrokerName);
}
