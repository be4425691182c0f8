/**
 * Admission control: the relay counts the messages and body bytes it is sending and refuses more
 * than its limits with a 429 (and `Retry-After`) instead of queueing without bound; while shutting
 * down it refuses everything with a 503 and lets `drained()` wait for the count to reach zero.
 *
 * @module
 */

import { RelayHttpError } from "./errors.ts";
import type { RelayMetrics } from "./metrics.ts";

/** In-flight accounting of one relay. */
export class Admission {
  readonly #metrics: RelayMetrics;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  #closing = false;
  #waiters: (() => void)[] = [];

  /**
   * Create the accounting.
   *
   * @param metrics where `inFlight` and `inFlightBytes` live (the status page reads them)
   * @param maxMessages most messages in flight
   * @param maxBytes most body bytes in flight
   */
  constructor(metrics: RelayMetrics, maxMessages: number, maxBytes: number) {
    this.#metrics = metrics;
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  /** Whether shutdown has begun. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Messages in flight. */
  get inFlight(): number {
    return this.#metrics.totals.inFlight;
  }

  /**
   * Reserve room for `count` messages of `bytes` body bytes; pair with {@link release}.
   *
   * @param count messages
   * @param bytes body bytes
   * @throws RelayHttpError 503 while shutting down, 429 when a limit would be passed
   */
  acquire(count: number, bytes: number): void {
    if (this.#closing) {
      throw new RelayHttpError(503, "UNAVAILABLE", "the relay is shutting down", {
        retryAfterSec: 1,
      });
    }
    const m = this.#metrics;
    if (m.totals.inFlight + count > this.#maxMessages) {
      throw new RelayHttpError(
        429,
        "OVERLOADED",
        `too many messages in flight (limit ${this.#maxMessages}); retry later`,
        { retryAfterSec: 1 },
      );
    }
    // One message larger than the whole byte budget still goes through when nothing else is in
    // flight; otherwise it could never be sent.
    if (m.inFlightBytes > 0 && m.inFlightBytes + bytes > this.#maxBytes) {
      throw new RelayHttpError(
        429,
        "OVERLOADED",
        `too many bytes in flight (limit ${this.#maxBytes}); retry later`,
        { retryAfterSec: 1 },
      );
    }
    m.totals.inFlight += count;
    m.inFlightBytes += bytes;
  }

  /**
   * Give back what {@link acquire} reserved.
   *
   * @param count messages
   * @param bytes body bytes
   */
  release(count: number, bytes: number): void {
    const m = this.#metrics;
    m.totals.inFlight -= count;
    m.inFlightBytes -= bytes;
    if (m.totals.inFlight <= 0 && this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Refuse every later {@link acquire} with a 503. */
  close(): void {
    this.#closing = true;
  }

  /**
   * Wait until nothing is in flight, or `timeoutMs` passed.
   *
   * @param timeoutMs longest wait
   * @returns true when drained, false on timeout
   */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.#metrics.totals.inFlight <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(done);
    });
  }
}
