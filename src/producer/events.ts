/**
 * Instrumentation events of a producer: an `EventTarget` that counts its listeners per type, so
 * the hot path builds a `CustomEvent` only when someone listens.
 *
 * Event names: "producer.send" (detail: { result, latencyMs, mode }), "producer.send.retry",
 * "producer.send.failed", "producer.hook.error", "producer.trace.failed",
 * "producer.callback.error", "client.route.changed", "client.heartbeat",
 * "client.namesrv.failover", "client.namesrv.changed", "client.namesrv.fetch.failed".
 *
 * @module
 */

/** An EventTarget that knows whether a type has listeners. */
export class ProducerEvents extends EventTarget {
  readonly #counts = new Map<string, number>();

  /** Adds a listener (see `EventTarget.addEventListener`). */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
    if (listener !== null) this.#counts.set(type, (this.#counts.get(type) ?? 0) + 1);
  }

  /** Removes a listener (see `EventTarget.removeEventListener`). */
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options);
    const n = this.#counts.get(type);
    if (listener !== null && n !== undefined) {
      if (n <= 1) this.#counts.delete(type);
      else this.#counts.set(type, n - 1);
    }
  }

  /**
   * Whether anyone may listen for `type` (may over-count after `once` listeners fired; that only
   * costs an unneeded event object).
   *
   * @param type event name
   * @returns true when a listener was added
   */
  has(type: string): boolean {
    return this.#counts.has(type);
  }

  /**
   * Dispatch a `CustomEvent` with `detail` when someone listens. Listener errors are the
   * runtime's business (reported, never thrown into the send path).
   *
   * @param type event name
   * @param detail event detail
   */
  emit(type: string, detail: unknown): void {
    if (this.#counts.has(type)) this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
