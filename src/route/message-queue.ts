/**
 * Message queues: the unit a producer sends to (topic, broker name, queue id).
 *
 * @module
 */

/** One queue of a topic on one broker. Treat as immutable: selection code shares instances. */
export interface MessageQueue {
  /** Topic name (with namespace, as on the wire). */
  readonly topic: string;
  /** Broker name (the master/slave set), e.g. `broker-a`. */
  readonly brokerName: string;
  /** Queue id on that broker, 0-based. */
  readonly queueId: number;
}

/**
 * Create a frozen {@link MessageQueue}.
 *
 * @param topic topic name
 * @param brokerName broker name
 * @param queueId queue id
 * @returns the queue
 */
export function messageQueue(topic: string, brokerName: string, queueId: number): MessageQueue {
  return Object.freeze({ topic, brokerName, queueId });
}

/**
 * A string key identifying a queue, for maps and sets (`topic@brokerName@queueId`).
 *
 * @param mq the queue
 * @returns the key
 */
export function messageQueueKey(mq: MessageQueue): string {
  return `${mq.topic}@${mq.brokerName}@${mq.queueId}`;
}
