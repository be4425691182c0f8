/**
 * Send entry plumbing around the producer's core send that is not on the single-message hot
 * path: the batch entry (awaited preparation, its own events and in-flight accounting) and the
 * delivery of an async send's outcome to its callback.
 *
 * @module
 */

import type { MessageCodec } from "../client/_codec.ts";
import type { ClientInstance } from "../client/client-instance.ts";
import type { ProducerEvents } from "./events.ts";
import { prepareBatch, type PrepareContext, type PreparedMessage } from "./message.ts";
import type { SendTracker } from "./tracker.ts";
import type { CommunicationMode, Message, SendCallback, SendOptions, SendResult } from "./types.ts";

/** What the batch entry needs from the producer. */
export interface BatchSendHost {
  /** The producer's events. */
  readonly events: ProducerEvents;
  /** The producer's in-flight sends. */
  readonly tracker: SendTracker;
  /** The client instance of a running producer; throws StateError otherwise. */
  running(): ClientInstance;
  /** The producer's (cached) message preparation context. */
  prepareContext(instance: ClientInstance): PrepareContext;
  /** The codec of a running producer. */
  codec(): MessageCodec;
  /** The producer's core send. */
  send(
    p: PreparedMessage,
    mode: CommunicationMode,
    options: SendOptions | undefined,
    begin: number,
  ): Promise<SendResult | undefined>;
}

/**
 * A batch send, counted in flight and reported as "producer.send" / "producer.send.failed".
 *
 * @param host the producer
 * @param mode communication mode
 * @param batch the messages
 * @param options budget, signal, explicit queue or selector
 * @returns the broker's result
 */
export async function sendTrackedBatch<T extends SendResult | undefined>(
  host: BatchSendHost,
  mode: CommunicationMode,
  batch: Message[],
  options: SendOptions | undefined,
): Promise<T> {
  const instance = host.running();
  const begin = Date.now();
  host.tracker.enter();
  try {
    const ctx = host.prepareContext(instance);
    const p = await prepareBatch(batch, ctx, host.codec());
    const r = await host.send(p, mode, options, begin) as T;
    const ev = host.events;
    if (ev.has("producer.send")) {
      ev.emit("producer.send", { result: r, latencyMs: Date.now() - begin, mode });
    }
    return r;
  } catch (error) {
    host.events.emit("producer.send.failed", { error, mode });
    throw error;
  } finally {
    host.tracker.exit();
  }
}

/**
 * Give an async send's outcome to its callback: exactly one call; a callback that throws is a
 * "producer.callback.error" event.
 *
 * @param result the send
 * @param callback onSuccess / onException
 * @param events where a throwing callback is reported
 */
export function deliverToCallback(
  result: Promise<SendResult>,
  callback: SendCallback,
  events: ProducerEvents,
): void {
  const call = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      events.emit("producer.callback.error", { error });
    }
  };
  result.then(
    (r) => call(() => callback.onSuccess(r)),
    (e) => call(() => callback.onException(e instanceof Error ? e : new Error(String(e)))),
  );
}
