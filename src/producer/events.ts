/**
 * Instrumentation events of a producer: an `EventTarget` that counts its listeners per type, so
 * the hot path builds a `CustomEvent` only when someone listens.
 *
 * Listeners are isolated: one that throws (or returns a promise that rejects) never reaches the
 * runtime's error reporting — which would end the process on Deno, Bun and Node — nor the send
 * path. Its error is logged and dispatched as a "producer.listener.error" event (a throwing
 * listener of that event is only logged, never re-dispatched).
 *
 * The names and their details are typed in {@link ProducerEventMap} (event-map.ts); `on(name, fn)`
 * takes a name of that map and gives `fn` a typed `CustomEvent`.
 *
 * @module
 */

import { createLogger, type Logger } from "../log/logger.ts";
import { loggedEventTypes, logProducerEvent } from "./event-log.ts";
import type { ProducerEventListener, ProducerEventMap, ProducerEventName } from "./event-map.ts";

/** Name of the event that reports a listener which threw. */
const LISTENER_ERROR = "producer.listener.error";

/** Listener identity key: EventTarget deduplicates on (type, listener, capture). */
function listenerKey(type: string, options: boolean | EventListenerOptions | undefined): string {
  const capture = typeof options === "boolean" ? options : options?.capture === true;
  return `${capture ? "c" : "b"}${type}`;
}

/** An EventTarget that knows whether a type has listeners and isolates listener errors. */
export class ProducerEvents extends EventTarget {
  readonly #counts = new Map<string, number>();
  /** listener → (capture + type) → the isolating wrapper registered in its place. */
  readonly #wrappers = new WeakMap<object, Map<string, EventListener>>();
  readonly #logger: Logger;
  /** Event types the logger wants at its level: they count as listened to. */
  readonly #logged: Set<string>;

  /**
   * Create the event target.
   *
   * @param logger where listener errors and the producer's events (failed sends at warn, hook
   *   and callback errors at error, retries at info, sends at debug) are logged; default
   *   `createLogger()` (console, warn)
   */
  constructor(logger: Logger = createLogger()) {
    super();
    this.#logger = logger;
    this.#logged = loggedEventTypes(logger);
  }

  /**
   * Listen for one event with a typed detail; a misspelled name does not compile.
   *
   * @example
   * ```ts
   * import { EventName, Producer } from "@rocketmq-edge/client";
   *
   * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders" });
   * const off = producer.events.on(EventName.ROUTE_CHANGED, (e) => console.log(e.detail.topic));
   * off(); // unsubscribe
   * ```
   *
   * @param name event name (see {@link EventName})
   * @param listener receives the `CustomEvent`; its errors are isolated
   * @param options `once` / `signal`, as for `addEventListener`
   * @returns a function that removes the listener
   */
  on<K extends ProducerEventName>(
    name: K,
    listener: ProducerEventListener<K>,
    options?: { once?: boolean; signal?: AbortSignal },
  ): () => void {
    const fn = listener as unknown as EventListener;
    this.addEventListener(name, fn, options);
    return () => this.removeEventListener(name, fn);
  }

  /** Adds a listener (see `EventTarget.addEventListener`); its errors are isolated. */
  override addEventListener<K extends ProducerEventName>(
    type: K,
    listener: ProducerEventListener<K> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Adds a listener (see `EventTarget.addEventListener`); its errors are isolated. */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | ProducerEventListener<ProducerEventName> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null || (typeof listener !== "function" && typeof listener !== "object")) {
      super.addEventListener(type, listener, options);
      return;
    }
    const target = listener as EventListenerOrEventListenerObject;
    const key = listenerKey(type, options);
    let byKey = this.#wrappers.get(target);
    if (byKey === undefined) this.#wrappers.set(target, byKey = new Map());
    let wrapper = byKey.get(key);
    if (wrapper === undefined) {
      wrapper = this.#isolate(type, target);
      byKey.set(key, wrapper);
      this.#counts.set(type, (this.#counts.get(type) ?? 0) + 1);
    }
    super.addEventListener(type, wrapper, options);
  }

  /** Removes a listener (see `EventTarget.removeEventListener`). */
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    if (listener === null || (typeof listener !== "function" && typeof listener !== "object")) {
      super.removeEventListener(type, listener, options);
      return;
    }
    const key = listenerKey(type, options);
    const byKey = this.#wrappers.get(listener);
    const wrapper = byKey?.get(key);
    if (wrapper === undefined) return;
    super.removeEventListener(type, wrapper, options);
    byKey!.delete(key);
    const n = this.#counts.get(type);
    if (n !== undefined) {
      if (n <= 1) this.#counts.delete(type);
      else this.#counts.set(type, n - 1);
    }
  }

  /**
   * Whether anyone (a listener, or the logger at its level) may want `type` (may over-count after `once` listeners fired or a
   * listener's `signal` aborted; that only costs an unneeded event object).
   *
   * @param type event name
   * @returns true when a listener was added
   */
  has(type: string): boolean {
    return this.#counts.has(type) || this.#logged.has(type);
  }

  /**
   * Dispatch a `CustomEvent` with `detail` when someone listens. A listener that throws is
   * reported (log + "producer.listener.error"), never thrown into the caller.
   *
   * @param type event name
   * @param detail event detail
   */
  emit<K extends ProducerEventName>(type: K, detail: ProducerEventMap[K]): void {
    if (this.#logged.has(type)) logProducerEvent(this.#logger, type, detail);
    if (this.#counts.has(type)) this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** A listener in a try/catch (and a catch on the promise it may return). */
  #isolate(type: string, listener: EventListenerOrEventListenerObject): EventListener {
    const failed = (error: unknown): void => this.#listenerFailed(type, error);
    return function isolated(this: unknown, event: Event): void {
      try {
        const r: unknown = typeof listener === "function"
          ? listener.call(this, event)
          : listener.handleEvent(event);
        if (
          r !== null && typeof r === "object" && typeof (r as Promise<void>).then === "function"
        ) {
          (r as Promise<void>).then(undefined, failed);
        }
      } catch (error) {
        failed(error);
      }
    };
  }

  #listenerFailed(type: string, error: unknown): void {
    this.#logger.error("an event listener threw; the error is isolated", { event: type, error });
    // A failing "producer.listener.error" listener is only logged: no dispatch loop.
    if (type !== LISTENER_ERROR) this.emit(LISTENER_ERROR, { type, error });
  }
}
