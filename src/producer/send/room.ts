/**
 * Back-pressure: the bounds of a producer's sends in flight (`maxInFlight` sends and
 * `maxInFlightBytes` of bodies) and the sends waiting for room past them, first come first
 * served. A waiting send holds no room and no socket; it waits within its own budget
 * ({@link TimeoutError} naming the bound) and signal ({@link AbortedError}), or fails at once
 * with a retriable {@link SaturatedError} under `whenSaturated: "fail"`. "producer.saturated" is
 * emitted when a send first finds no room, "producer.drained" when the waiting sends are all in
 * and at most half of each bound is used (the half keeps the pair from flapping under steady
 * load).
 *
 * The tracker (inflight.ts) does the no-contention fast path itself; this file runs only when a
 * bound is reached.
 *
 * @module
 */

import { AbortedError, SaturatedError, TimeoutError } from "../../errors.ts";
import type { ProducerEvents } from "../events.ts";
import type { SendBound } from "./bounded.ts";
import type { SendTracker } from "./inflight.ts";

/** What a full producer does with one more send. */
export type WhenSaturated = "wait" | "fail";

/** The bounds of a producer's sends in flight. */
export interface RoomBounds {
  /** Most sends in flight. */
  maxInFlight: number;
  /** Most body bytes in flight. */
  maxInFlightBytes: number;
  /** Wait for room (default) or fail at once. */
  whenSaturated: WhenSaturated;
}

/** One send waiting for room. */
interface Waiter {
  readonly bytes: number;
  readonly bound: SendBound;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

/** The bounds of one producer's sends in flight and its waiting sends. */
export class Room {
  /** See {@link RoomBounds}; unbounded until {@link configure}d. */
  maxCount = Infinity;
  /** See {@link RoomBounds}. */
  maxBytes = Infinity;
  /** Sends waiting for room (the tracker's fast path reads it). */
  waiting = 0;
  /** True from a send finding no room until "producer.drained". */
  saturated = false;
  #failFast = false;
  #events: ProducerEvents | undefined;
  readonly #tracker: SendTracker;
  /** FIFO: `#queue[#head…]` are waiting (settled entries are skipped). */
  #queue: Waiter[] = [];
  #head = 0;

  readonly #shutdown: AbortSignal;

  /**
   * @param tracker the producer's in-flight sends
   * @param shutdown the producer's shutdown signal: one listener for every waiting send (a
   *   listener per send would make adding each one O(waiting): EventTarget checks duplicates)
   */
  constructor(tracker: SendTracker, shutdown: AbortSignal) {
    this.#tracker = tracker;
    this.#shutdown = shutdown;
    shutdown.addEventListener("abort", () => this.#abortAll(), { once: true });
  }

  /** Shutdown: every waiting send fails with the shutdown's reason. */
  #abortAll(): void {
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i++) {
      const w = q[i];
      if (w.done) continue;
      this.#settle(w);
      w.reject(
        new AbortedError("send aborted while waiting for room", { cause: this.#shutdown.reason }),
      );
    }
    this.#queue = [];
    this.#head = 0;
  }

  /**
   * Set the bounds.
   *
   * @param bounds the producer's options
   * @param events where "producer.saturated" / "producer.drained" go
   */
  configure(bounds: RoomBounds, events: ProducerEvents): void {
    this.maxCount = bounds.maxInFlight;
    this.maxBytes = bounds.maxInFlightBytes;
    this.#failFast = bounds.whenSaturated === "fail";
    this.#events = events;
  }

  /** The bound that keeps a send of `bytes` out. */
  #reached(bytes: number): "maxInFlight" | "maxInFlightBytes" {
    const t = this.#tracker;
    if (t.admittedCount < this.maxCount && t.admittedBytes + bytes > this.maxBytes) {
      return "maxInFlightBytes";
    }
    return "maxInFlight"; // reached, or queued behind sends that wait for it
  }

  #saturate(bytes: number): void {
    if (this.saturated) return;
    this.saturated = true;
    const events = this.#events;
    if (events?.has("producer.saturated")) {
      const t = this.#tracker;
      events.emit("producer.saturated", {
        bound: this.#reached(bytes),
        inFlight: t.admittedCount,
        inFlightBytes: t.admittedBytes,
      });
    }
  }

  /**
   * Wait until the tracker admits a send of `bytes` (the room is then taken for it).
   *
   * @param bytes the send's body bytes
   * @param bound the send's deadline and signal
   * @returns settles when admitted
   * @throws SaturatedError under `whenSaturated: "fail"`; TimeoutError naming the bound when the
   *   budget ends first; AbortedError when the signal fires first
   */
  wait(bytes: number, bound: SendBound): Promise<void> {
    this.#saturate(bytes);
    if (this.#failFast) {
      const which = this.#reached(bytes);
      const limit = which === "maxInFlight" ? this.maxCount : this.maxBytes;
      return Promise.reject(new SaturatedError(which, limit));
    }
    if (bound.signal.aborted) {
      return Promise.reject(new AbortedError("send aborted", { cause: bound.signal.reason }));
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        bytes,
        bound,
        resolve,
        reject,
        timer: undefined,
        onAbort: undefined,
        done: false,
      };
      const which = this.#reached(bytes);
      const limit = which === "maxInFlight" ? `${this.maxCount} sends` : `${this.maxBytes} bytes`;
      w.timer = setTimeout(() => {
        this.#drop(w);
        reject(
          new TimeoutError(
            `send timed out: budget of ${bound.timeoutMs} ms spent waiting for room ` +
              `(${which}: ${limit} in flight)`,
            bound.timeoutMs,
          ),
        );
      }, Math.max(0, bound.deadline - Date.now()));
      // The shutdown signal alone (no caller signal) is watched once for all: see the constructor.
      if (bound.signal !== this.#shutdown) {
        w.onAbort = () => {
          this.#drop(w);
          reject(
            new AbortedError("send aborted while waiting for room", { cause: bound.signal.reason }),
          );
        };
        bound.signal.addEventListener("abort", w.onAbort, { once: true });
      }
      this.#queue.push(w);
      this.waiting++;
    });
  }

  /** Take a waiter out (timed out or aborted). */
  #drop(w: Waiter): void {
    if (w.done) return;
    this.#settle(w);
    this.wake(); // the first waiter may have been held up behind it
  }

  #settle(w: Waiter): void {
    w.done = true;
    this.waiting--;
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.bound.signal.removeEventListener("abort", w.onAbort);
  }

  /** Room was given back (or a waiter left): admit waiting sends in order; maybe drained. */
  wake(): void {
    const q = this.#queue;
    while (this.#head < q.length) {
      const w = q[this.#head];
      if (!w.done) {
        if (!this.#tracker.take(w.bytes)) break;
        this.#settle(w);
        w.resolve();
      }
      this.#head++;
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    const t = this.#tracker;
    if (
      this.saturated && this.waiting === 0 && t.admittedCount * 2 <= this.maxCount &&
      t.admittedBytes * 2 <= this.maxBytes
    ) {
      this.saturated = false;
      const events = this.#events;
      if (events?.has("producer.drained")) {
        events.emit("producer.drained", {
          inFlight: t.admittedCount,
          inFlightBytes: t.admittedBytes,
        });
      }
    }
  }
}
