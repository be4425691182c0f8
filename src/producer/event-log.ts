/**
 * What the producer logs of its own events ("producer.*"; the client instance logs "client.*"),
 * at which level and in which words. `ProducerEvents.emit` logs through this table, so the send
 * path reports once (an event) and the logger sees what an operator needs, with no listener.
 *
 * @module
 */

import { AbortedError, StateError, ValidationError } from "../errors.ts";
import type { Logger, LogLevel } from "../log/logger.ts";
import type { ProducerEventMap, ProducerEventName } from "./event-map.ts";

type Level = Exclude<LogLevel, "silent">;

/** Each logged event's level; events not listed are not logged (listener errors log directly). */
const EVENT_LEVELS: Partial<Record<ProducerEventName, Level>> = {
  "producer.send": "debug",
  "producer.send.retry": "info",
  "producer.send.failed": "warn",
  "producer.hook.error": "error",
  "producer.callback.error": "error",
  "producer.trace.failed": "warn",
};

/**
 * The event types the logger wants at its level (a send path checks `has(type)` before building
 * an event, so these count as listened to).
 *
 * @param logger the producer's logger
 * @returns the logged event types
 */
export function loggedEventTypes(logger: Logger): Set<string> {
  const types = new Set<string>();
  for (const [type, level] of Object.entries(EVENT_LEVELS)) {
    if (logger.enabled(level)) types.add(type);
  }
  return types;
}

/** A failure the caller caused and already sees as the rejection: no operator news. */
function callersOwn(error: unknown): boolean {
  return error instanceof ValidationError || error instanceof StateError ||
    error instanceof AbortedError;
}

/**
 * Log one producer event (the caller checked that its type is in {@link loggedEventTypes}).
 *
 * @param logger the producer's logger
 * @param type event name
 * @param detail event detail
 */
export function logProducerEvent<K extends ProducerEventName>(
  logger: Logger,
  type: K,
  detail: ProducerEventMap[K],
): void {
  const fields = detail as unknown as Record<string, unknown>;
  switch (type) {
    case "producer.send": {
      const { result, latencyMs, mode } = detail as ProducerEventMap["producer.send"];
      logger.debug("sent", { mode, latencyMs, msgId: result?.msgId, queue: result?.queue });
      return;
    }
    case "producer.send.retry": {
      const { topic, attempt, queue, error, result } = detail as ProducerEventMap[
        "producer.send.retry"
      ];
      logger.info("send attempt failed; retrying on another broker", {
        topic,
        attempt,
        broker: queue.brokerName,
        queueId: queue.queueId,
        error: error?.message,
        status: result?.status,
      });
      return;
    }
    case "producer.send.failed": {
      const { error, mode } = detail as ProducerEventMap["producer.send.failed"];
      if (callersOwn(error)) {
        logger.debug("send refused", { mode, error });
      } else logger.warn("send failed after all attempts", { mode, error });
      return;
    }
    case "producer.hook.error":
      logger.error("a send hook threw; the send went on", fields);
      return;
    case "producer.callback.error":
      logger.error("a sendAsync callback threw", fields);
      return;
    case "producer.trace.failed":
      logger.warn("the trace dispatcher failed (not fatal)", fields);
      return;
  }
}
