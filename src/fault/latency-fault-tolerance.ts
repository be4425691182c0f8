/**
 * Per-broker fault items (Java `LatencyFaultToleranceImpl`, 4.9): after each send the producer
 * records the broker's latency and a time before which the broker counts as unavailable.
 *
 * @module
 */

import { type RandomSource, RoundRobinIndex } from "../route/round-robin.ts";

/** What is known about one broker. */
export interface FaultItem {
  /** Broker name. */
  readonly name: string;
  /** Latency of the last send to it, ms (30 000 stands for an isolation after an error). */
  readonly currentLatency: number;
  /** Clock time from which the broker is available again. */
  readonly startTimestamp: number;
}

interface MutableFaultItem {
  name: string;
  currentLatency: number;
  startTimestamp: number;
}

/** The fault-item table with Java's selection of a "least bad" broker. */
export class LatencyFaultTolerance {
  readonly #items = new Map<string, MutableFaultItem>();
  readonly #clock: () => number;
  readonly #random: RandomSource;
  readonly #whichItemWorst: RoundRobinIndex;

  /**
   * Create an empty table.
   *
   * @param clock millisecond clock (default `Date.now`)
   * @param random random source for tie shuffling and the counter start (default `Math.random`)
   */
  constructor(clock: () => number = Date.now, random: RandomSource = Math.random) {
    this.#clock = clock;
    this.#random = random;
    this.#whichItemWorst = new RoundRobinIndex(random);
  }

  /**
   * Record a send's latency; the broker is unavailable for `notAvailableDuration` ms from now.
   *
   * @param name broker name
   * @param currentLatency latency of the send, ms
   * @param notAvailableDuration how long to avoid the broker, ms
   */
  updateFaultItem(name: string, currentLatency: number, notAvailableDuration: number): void {
    const startTimestamp = this.#clock() + notAvailableDuration;
    const old = this.#items.get(name);
    if (old === undefined) this.#items.set(name, { name, currentLatency, startTimestamp });
    else {
      old.currentLatency = currentLatency;
      old.startTimestamp = startTimestamp;
    }
  }

  /**
   * Whether a broker may be sent to now (no item, or its start time has come).
   *
   * @param name broker name
   * @returns availability
   */
  isAvailable(name: string): boolean {
    const item = this.#items.get(name);
    return item === undefined || this.#clock() - item.startTimestamp >= 0;
  }

  /**
   * Forget a broker.
   *
   * @param name broker name
   */
  remove(name: string): void {
    this.#items.delete(name);
  }

  /**
   * A copy of one item.
   *
   * @param name broker name
   * @returns the item, or undefined
   */
  get(name: string): FaultItem | undefined {
    const item = this.#items.get(name);
    return item === undefined ? undefined : { ...item };
  }

  /** Number of items in the table. */
  get size(): number {
    return this.#items.size;
  }

  /**
   * Pick a broker when none is available (Java `pickOneAtLeast`): shuffle the items, sort them
   * best first (available first, then lower latency, then earlier start time), and round-robin
   * over the better half (the single best item when there are fewer than two).
   *
   * @returns a broker name, or undefined when the table is empty
   */
  pickOneAtLeast(): string | undefined {
    const items = Array.from(this.#items.values());
    const n = items.length;
    if (n === 0) return undefined;
    // Java shuffles first so that equal items are picked in random order (its sort is stable).
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    const now = this.#clock();
    items.sort((a, b) => {
      const aa = now - a.startTimestamp >= 0, ba = now - b.startTimestamp >= 0;
      if (aa !== ba) return aa ? -1 : 1;
      if (a.currentLatency !== b.currentLatency) {
        return a.currentLatency < b.currentLatency ? -1 : 1;
      }
      if (a.startTimestamp !== b.startTimestamp) {
        return a.startTimestamp < b.startTimestamp ? -1 : 1;
      }
      return 0;
    });
    const half = Math.floor(n / 2);
    if (half <= 0) return items[0].name;
    return items[this.#whichItemWorst.incrementAndGet() % half].name;
  }
}
