/**
 * The producer's events, typed: {@link ProducerEventMap} (name → `CustomEvent.detail`), the
 * {@link EventName} constants, and {@link ProducerEventName}. Used by `producer.events.on(name, fn)`
 * so that a misspelled name or a wrong use of the detail does not compile.
 *
 * @example Listen with a typed detail, then unsubscribe
 * ```ts
 * import { EventName, Producer } from "@rocketmq-edge/client";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders" });
 * const off = producer.events.on(EventName.SEND, (e) => {
 *   console.log(e.detail.mode, e.detail.latencyMs, e.detail.result?.msgId);
 * });
 * off();
 * ```
 *
 * @module
 */

import type { ClientEventMap } from "../client/events.ts";
import type { CommunicationMode, MessageQueue, SendResult } from "./types.ts";

export type { ClientEventMap, HeartbeatEventDetail } from "../client/events.ts";

/** Every event of `producer.events`: name → `CustomEvent.detail`. */
export interface ProducerEventMap extends ClientEventMap {
  /** A send succeeded (`result` is undefined for a one-way send). */
  "producer.send": {
    result: SendResult | undefined;
    latencyMs: number;
    mode: CommunicationMode;
  };
  /** An attempt failed (or was not SEND_OK) and the send tries again on another broker. */
  "producer.send.retry": {
    topic: string;
    attempt: number;
    queue: MessageQueue;
    error?: Error;
    result?: SendResult;
  };
  /** A send failed after all its attempts (the error it rejected with). */
  "producer.send.failed": { error: unknown; mode: CommunicationMode };
  /** A `sendMessageBefore` / `sendMessageAfter` hook threw (the send went on). */
  "producer.hook.error": { hook: string; error: unknown };
  /** The trace dispatcher failed to start or shut down (not fatal). */
  "producer.trace.failed": { phase: "start" | "shutdown"; error: unknown };
  /** A `sendAsync` callback threw. */
  "producer.callback.error": { error: unknown };
  /** A listener of `type` threw or rejected; the error was isolated (and logged). */
  "producer.listener.error": { type: string; error: unknown };
  /**
   * A send found no room: `bound` (`maxInFlight` or `maxInFlightBytes`) is reached; sends now
   * wait for room (or fail with `SaturatedError` under `whenSaturated: "fail"`).
   */
  "producer.saturated": {
    bound: "maxInFlight" | "maxInFlightBytes";
    inFlight: number;
    inFlightBytes: number;
  };
  /** After "producer.saturated": no send waits and at most half of each bound is in use. */
  "producer.drained": { inFlight: number; inFlightBytes: number };
}

/** Name of an event of `producer.events`. */
export type ProducerEventName = keyof ProducerEventMap;

/** The event names as constants (`EventName.SEND === "producer.send"`). */
export const EventName = {
  /** "producer.send" */
  SEND: "producer.send",
  /** "producer.send.retry" */
  SEND_RETRY: "producer.send.retry",
  /** "producer.send.failed" */
  SEND_FAILED: "producer.send.failed",
  /** "producer.hook.error" */
  HOOK_ERROR: "producer.hook.error",
  /** "producer.trace.failed" */
  TRACE_FAILED: "producer.trace.failed",
  /** "producer.callback.error" */
  CALLBACK_ERROR: "producer.callback.error",
  /** "producer.listener.error" */
  LISTENER_ERROR: "producer.listener.error",
  /** "producer.saturated" */
  SATURATED: "producer.saturated",
  /** "producer.drained" */
  DRAINED: "producer.drained",
  /** "client.route.changed" */
  ROUTE_CHANGED: "client.route.changed",
  /** "client.heartbeat" */
  HEARTBEAT: "client.heartbeat",
  /** "client.namesrv.failover" */
  NAMESRV_FAILOVER: "client.namesrv.failover",
  /** "client.namesrv.changed" */
  NAMESRV_CHANGED: "client.namesrv.changed",
  /** "client.namesrv.fetch.failed" */
  NAMESRV_FETCH_FAILED: "client.namesrv.fetch.failed",
} as const satisfies Record<string, ProducerEventName>;

/** A `CustomEvent` of `producer.events` with its typed detail. */
export type ProducerEvent<K extends ProducerEventName> = CustomEvent<ProducerEventMap[K]>;

/** A typed listener for {@link ProducerEvents.on}. */
export type ProducerEventListener<K extends ProducerEventName> = (event: ProducerEvent<K>) => void;
