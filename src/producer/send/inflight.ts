/**
 * In-flight sends: a counter (no per-send allocation) that `shutdown()` waits on, a shared
 * shutdown `AbortController` whose signal every send passes to the remoting client, and the one
 * place a send's end is booked (its events and the count), whatever kind of send it was.
 *
 * @module
 */

import { AbortedError } from "../../errors.ts";
import { unrefTimer } from "../../client/timers.ts";
import type { ProducerEvents } from "../events.ts";
import type { CommunicationMode, SendResult } from "../types.ts";
import { Room } from "./room.ts";

/** Counts in-flight sends and aborts them on shutdown; admits sends within its bounds. */
export class SendTracker {
  #count = 0;
  #waiters: (() => void)[] = [];
  readonly #shutdown = new AbortController();
  /** Number of sends in flight (waiting for room included). */
  get inFlight(): number {
    return this.#count;
  }

  /** Sends admitted (holding room) and their body bytes (read by room.ts). */
  admittedCount = 0;
  admittedBytes = 0;
  /** The bounds of sends in flight and the sends waiting for room. */
  readonly room: Room = new Room(this, this.#shutdown.signal);

  /**
   * Take room for a send of `bytes` if the bounds allow and no earlier send waits (first come,
   * first served). The no-contention fast path: a few compares.
   *
   * @param bytes the send's body bytes
   * @returns true when admitted (give the room back with {@link exit}(bytes))
   */
  admit(bytes: number): boolean {
    return this.room.waiting === 0 && this.take(bytes);
  }

  /**
   * Take room regardless of waiting sends (the room hands it to them in order). A send alone is
   * always admitted, however large, so one big message cannot wait forever.
   *
   * @param bytes the send's body bytes
   * @returns true when taken
   */
  take(bytes: number): boolean {
    const room = this.room;
    if (
      this.admittedCount < room.maxCount &&
      (this.admittedBytes + bytes <= room.maxBytes || this.admittedCount === 0)
    ) {
      this.admittedCount++;
      this.admittedBytes += bytes;
      return true;
    }
    return false;
  }

  /** Count a send in; {@link exit} counts it out (exactly once). */
  enter(): void {
    this.#count++;
  }

  /**
   * Count a send out, and give back its room if it was admitted.
   *
   * @param bytes its body bytes when admitted; negative when it never was
   */
  exit(bytes: number): void {
    if (bytes >= 0) {
      this.admittedCount--;
      this.admittedBytes -= bytes;
      if (this.room.saturated) this.room.wake();
    }
    if (--this.#count === 0 && this.#waiters.length > 0) {
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    }
  }

  /**
   * The signal a send passes down: the shutdown signal, combined with the caller's if any.
   *
   * @param user the caller's signal
   * @returns the signal to use
   */
  signal(user: AbortSignal | undefined): AbortSignal {
    if (user === undefined) return this.#shutdown.signal;
    return AbortSignal.any([user, this.#shutdown.signal]);
  }

  /**
   * Wait until no send is in flight or `timeoutMs` passed.
   *
   * @param timeoutMs deadline
   * @returns true when idle
   */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(done);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((f) => f !== done);
          resolve(this.#count === 0);
        }, timeoutMs);
        unrefTimer(timer);
      }
    });
  }

  /** Abort every send still in flight (they reject with AbortedError). */
  abort(): void {
    if (!this.#shutdown.signal.aborted) {
      this.#shutdown.abort(new AbortedError("the producer was shut down"));
    }
  }
}

/**
 * The end of a send as its caller books it: the `producer.send` / `producer.send.failed` events
 * and the in-flight count, run inside the retry loop's own reaction, so the common send needs no
 * reaction of its own. A send job is its own end.
 */
export interface SendEnd<R> {
  /** The send succeeded with `r`; returns what the send resolves with (or throws). */
  succeeded(r: R): R;
  /** The send failed with `e`; throws what the send rejects with. */
  failed(e: unknown): never;
}

/**
 * The successful end of a tracked send: emit `producer.send` (if anyone listens) and count the
 * send out. A throwing listener fails the send, as `producer.send.failed`.
 *
 * @param events the producer's events
 * @param tracker the producer's tracker
 * @param mode send mode
 * @param begin `Date.now()` at the start of the send
 * @param r the result
 * @param bytes the send's admitted body bytes (negative: it was never admitted)
 * @returns `r`
 */
export function trackSuccess<R>(
  events: ProducerEvents,
  tracker: SendTracker,
  mode: CommunicationMode,
  begin: number,
  r: R,
  bytes: number,
): R {
  try {
    if (events.has("producer.send")) {
      const result = r as SendResult | undefined; // R is the send's result type
      events.emit("producer.send", { result, latencyMs: Date.now() - begin, mode });
    }
    return r;
  } catch (error) {
    events.emit("producer.send.failed", { error, mode });
    throw error;
  } finally {
    tracker.exit(bytes);
  }
}

/**
 * The failed end of a tracked send: emit `producer.send.failed`, count the send out, rethrow.
 *
 * @param events the producer's events
 * @param tracker the producer's tracker
 * @param mode send mode
 * @param error why the send failed
 * @param bytes the send's admitted body bytes (negative: it was never admitted)
 * @throws `error`
 */
export function trackFailure(
  events: ProducerEvents,
  tracker: SendTracker,
  mode: CommunicationMode,
  error: unknown,
  bytes: number,
): never {
  try {
    events.emit("producer.send.failed", { error, mode });
    throw error;
  } finally {
    tracker.exit(bytes);
  }
}
