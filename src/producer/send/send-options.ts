/**
 * The checks of a send's own options (`SendOptions`): the budget, the abort signal, an explicit
 * queue and a selector. Each problem is a {@link ValidationError} naming the field, so a wrong
 * type never surfaces as a `TypeError` from deep inside the send. A send without options skips
 * all of it.
 *
 * @module
 */

import { ValidationError } from "../../errors.ts";
import { MAX_TIMER_MS } from "../options.ts";
import type { MessageQueue, SendOptions } from "../types.ts";

/**
 * The send budget: `options.timeoutMs`, or the producer's default.
 *
 * @param options the send's options
 * @param defaultMs the producer's `sendTimeoutMs`
 * @returns the budget in ms
 * @throws ValidationError naming `timeoutMs`
 */
export function budgetOf(options: SendOptions | undefined, defaultMs: number): number {
  const t = options?.timeoutMs;
  if (t === undefined) return defaultMs;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > MAX_TIMER_MS) {
    throw new ValidationError(
      "timeoutMs",
      `must be a positive number of milliseconds, at most ${MAX_TIMER_MS}`,
    );
  }
  return t;
}

/** True for an AbortSignal, from this realm or another (workerd, a polyfill). */
function isAbortSignal(s: unknown): s is AbortSignal {
  if (s instanceof AbortSignal) return true;
  const o = s as Record<string, unknown> | null;
  return typeof o === "object" && o !== null && typeof o.aborted === "boolean" &&
    typeof o.addEventListener === "function" && typeof o.removeEventListener === "function";
}

/**
 * Check the fields of a send's options other than the budget (see {@link budgetOf}).
 *
 * @param options the send's options (defined)
 * @throws ValidationError naming `signal`, `selector`, `queue.brokerName` or `queue.queueId`
 */
export function checkSendOptions(options: SendOptions): void {
  if (options === null || typeof options !== "object") {
    throw new ValidationError("options", "must be an object of send options");
  }
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    throw new ValidationError("signal", "must be an AbortSignal");
  }
  if (options.selector !== undefined && typeof options.selector !== "function") {
    throw new ValidationError("selector", "must be a function (queues, message, arg) => queue");
  }
  if (options.queue !== undefined && options.selector !== undefined) {
    throw new ValidationError("selector", "must not be given together with queue");
  }
  const q: MessageQueue | undefined = options.queue;
  if (q !== undefined && q !== null && typeof q === "object") {
    if (typeof q.brokerName !== "string" || q.brokerName === "") {
      throw new ValidationError("queue.brokerName", "must be a non-empty string");
    }
    if (typeof q.queueId !== "number" || !Number.isInteger(q.queueId) || q.queueId < 0) {
      throw new ValidationError(
        "queue.queueId",
        `must be an integer ≥ 0, got ${String(q.queueId)}`,
      );
    }
  }
}
