/**
 * Queue selection with the optional latency fault avoidance (Java `MQFaultStrategy`, 4.9).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { type MessageQueue, messageQueue } from "../route/message-queue.ts";
import type { TopicPublishInfo } from "../route/publish-info.ts";
import { javaAbsMod, type RandomSource } from "../route/round-robin.ts";
import { LatencyFaultTolerance } from "./latency-fault-tolerance.ts";
import type { Logger } from "../log/logger.ts";

/** Default latency thresholds, ms (Java `latencyMax`). */
export const DEFAULT_LATENCY_MAX: readonly number[] = Object.freeze([
  50,
  100,
  550,
  1000,
  2000,
  3000,
  15000,
]);

/** Default avoidance per threshold, ms (Java `notAvailableDuration`). */
export const DEFAULT_NOT_AVAILABLE_DURATION: readonly number[] = Object.freeze([
  0,
  0,
  30000,
  60000,
  120000,
  180000,
  600000,
]);

/** Latency that an isolating failure (an exception, not a slow answer) counts as. */
export const ISOLATION_LATENCY_MS = 30000;

/** Options of {@link MQFaultStrategy}. */
export interface FaultStrategyOptions {
  /** Avoid brokers after slow or failed sends (default false, as Java). */
  sendLatencyFaultEnable?: boolean;
  /** Ascending latency thresholds, ms. Same length as `notAvailableDuration`. */
  latencyMax?: readonly number[];
  /** Avoidance per threshold, ms. */
  notAvailableDuration?: readonly number[];
  /** Random source for round-robin starts and tie shuffling (default `Math.random`). */
  random?: RandomSource;
  /** Where a broker newly marked unavailable is logged (warn); default: not logged. */
  logger?: Logger;
}

function checkTable(field: string, table: unknown): readonly number[] {
  if (!Array.isArray(table) || table.length === 0) {
    throw new ValidationError(field, "must be a non-empty array of numbers");
  }
  for (let i = 0; i < table.length; i++) {
    const v = table[i];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new ValidationError(`${field}[${i}]`, `must be a non-negative number, got ${v}`);
    }
  }
  return Object.freeze(table.slice());
}

/**
 * What a producer shows of its fault strategy (`producer.faultStrategy`): the switch, the tables
 * and the per-broker fault items.
 */
export interface FaultStrategyState {
  /** Whether latency fault avoidance is on. */
  sendLatencyFaultEnable: boolean;
  /** Latency thresholds, ms, ascending. */
  readonly latencyMax: readonly number[];
  /** Avoidance per threshold, ms. */
  readonly notAvailableDuration: readonly number[];
  /** The per-broker fault items. */
  readonly latencyFaultTolerance: LatencyFaultTolerance;
}

/** Picks queues, and records send latencies when latency fault avoidance is on. */
export class MQFaultStrategy implements FaultStrategyState {
  /** Whether latency fault avoidance is on. */
  sendLatencyFaultEnable: boolean;
  #latencyMax: readonly number[];
  #notAvailableDuration: readonly number[];
  /** The per-broker fault items. */
  readonly latencyFaultTolerance: LatencyFaultTolerance;
  readonly #logger: Logger | undefined;

  /**
   * Create the strategy.
   *
   * @param options switch and tables
   * @param clock millisecond clock (default `Date.now`)
   * @throws ValidationError when the tables are invalid
   */
  constructor(options: FaultStrategyOptions = {}, clock: () => number = Date.now) {
    this.sendLatencyFaultEnable = options.sendLatencyFaultEnable ?? false;
    this.#latencyMax = DEFAULT_LATENCY_MAX;
    this.#notAvailableDuration = DEFAULT_NOT_AVAILABLE_DURATION;
    this.setLatencyTables(
      options.latencyMax ?? DEFAULT_LATENCY_MAX,
      options.notAvailableDuration ?? DEFAULT_NOT_AVAILABLE_DURATION,
    );
    this.latencyFaultTolerance = new LatencyFaultTolerance(clock, options.random);
    this.#logger = options.logger;
  }

  /** Latency thresholds, ms, ascending. */
  get latencyMax(): readonly number[] {
    return this.#latencyMax;
  }

  /** Avoidance per threshold, ms. */
  get notAvailableDuration(): readonly number[] {
    return this.#notAvailableDuration;
  }

  /**
   * Replace both tables at once.
   *
   * @param latencyMax ascending thresholds, ms
   * @param notAvailableDuration avoidance per threshold, ms (same length)
   * @throws ValidationError naming `options.latencyMax` or `options.notAvailableDuration`
   */
  setLatencyTables(latencyMax: readonly number[], notAvailableDuration: readonly number[]): void {
    const lm = checkTable("options.latencyMax", latencyMax);
    const nad = checkTable("options.notAvailableDuration", notAvailableDuration);
    for (let i = 1; i < lm.length; i++) {
      if (lm[i] < lm[i - 1]) {
        throw new ValidationError(
          "options.latencyMax",
          `must be ascending, got ${lm[i - 1]} before ${lm[i]}`,
        );
      }
    }
    if (lm.length !== nad.length) {
      throw new ValidationError(
        "options.notAvailableDuration",
        `must have as many entries as options.latencyMax (${lm.length}), got ${nad.length}`,
      );
    }
    this.#latencyMax = lm;
    this.#notAvailableDuration = nad;
  }

  /**
   * Pick the queue for the next attempt (Java 4.9 `selectOneMessageQueue`).
   *
   * Off: round-robin, avoiding `lastBrokerName` when possible. On: round-robin from the next
   * index to the first queue whose broker is available; else the broker from `pickOneAtLeast`
   * with a queue id from the round-robin index modulo its write queue count (a fresh queue
   * object: Java overwrites the shared one, which corrupts the list); a picked broker without
   * write queues is removed from the table. Last resort: plain round-robin.
   *
   * @param info the topic's publish info
   * @param lastBrokerName broker of the previous failed attempt (used only when off, as Java)
   * @returns the queue
   * @throws RouteNotFoundError when the info has no queues
   */
  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName?: string): MessageQueue {
    if (!this.sendLatencyFaultEnable) return info.selectOneMessageQueue(lastBrokerName);
    const list = info.messageQueueList;
    const n = list.length;
    const lft = this.latencyFaultTolerance;
    let index = info.sendWhichQueue.incrementAndGet();
    for (let i = 0; i < n; i++) {
      const mq = list[javaAbsMod(index, n)];
      index = (index + 1) | 0;
      if (lft.isAvailable(mq.brokerName)) return mq;
    }
    const notBestBroker = lft.pickOneAtLeast();
    if (notBestBroker !== undefined) {
      const writeQueueNums = info.writeQueueNumsOf(notBestBroker);
      if (writeQueueNums > 0) {
        const mq = info.selectOneMessageQueue();
        const queueId = info.sendWhichQueue.incrementAndGet() % writeQueueNums;
        return messageQueue(mq.topic, notBestBroker, queueId);
      }
      lft.remove(notBestBroker);
    }
    return info.selectOneMessageQueue();
  }

  /**
   * Record the outcome of a send (no-op when off). The broker is avoided for
   * `computeNotAvailableDuration(isolation ? 30000 : currentLatency)` ms.
   *
   * @param brokerName broker sent to
   * @param currentLatency how long the attempt took, ms
   * @param isolation true after a failure that should isolate the broker
   */
  updateFaultItem(brokerName: string, currentLatency: number, isolation: boolean): void {
    if (!this.sendLatencyFaultEnable) return;
    const duration = this.computeNotAvailableDuration(
      isolation ? ISOLATION_LATENCY_MS : currentLatency,
    );
    const lft = this.latencyFaultTolerance;
    // Logged on the change from available to avoided only, not on every failed attempt.
    const log = duration > 0 && this.#logger?.enabled("warn") === true &&
      lft.isAvailable(brokerName);
    lft.updateFaultItem(brokerName, currentLatency, duration);
    if (log) {
      this.#logger!.warn("broker marked unavailable by latency fault tolerance", {
        broker: brokerName,
        latencyMs: currentLatency,
        isolation,
        unavailableMs: duration,
      });
    }
  }

  /**
   * Avoidance for a latency: the duration of the highest threshold it reaches, else 0.
   *
   * @param currentLatency latency, ms
   * @returns avoidance, ms
   */
  computeNotAvailableDuration(currentLatency: number): number {
    const lm = this.#latencyMax;
    for (let i = lm.length - 1; i >= 0; i--) {
      if (currentLatency >= lm[i]) return this.#notAvailableDuration[i];
    }
    return 0;
  }
}
