/**
 * Ordered sends by key, as the Java client's `SelectMessageQueueByHash`: the queue is
 * `abs(hashCode(key) % queues.length)` with Java's `hashCode`, so a TypeScript producer and a Java
 * producer sending with the same key pick the same queue of the same queue list.
 *
 * @example Keep one order's messages in one queue
 * ```ts
 * import { Producer, selectMessageQueueByHash } from "@rocketmq-edge/client";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders" });
 * await producer.start();
 * await producer.send({ topic: "Orders", body: "paid" }, {
 *   selector: selectMessageQueueByHash,
 *   arg: "order-42",
 * });
 * await producer.shutdown();
 * ```
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { MessageQueue } from "./message-queue.ts";

/**
 * Java's `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, in 32-bit
 * signed arithmetic.
 *
 * @param s the string
 * @returns the signed 32-bit hash
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Java's `hashCode()` of a key as a Java producer would box it: a string as `String`, a number
 * that fits a 32-bit int as `Integer` (the value), any other integer or a bigint as `Long`
 * (`(int)(v ^ (v >>> 32))`).
 *
 * @param key the sharding key
 * @returns the signed 32-bit hash
 */
export function javaHashCode(key: string | number | bigint): number {
  if (typeof key === "string") return javaStringHashCode(key);
  if (typeof key === "number") {
    if (!Number.isSafeInteger(key)) {
      throw new ValidationError("arg", "a hash key number must be a safe integer");
    }
    if (key === (key | 0)) return key;
    key = BigInt(key);
  }
  const v = BigInt.asUintN(64, key);
  return Number(BigInt.asIntN(32, v ^ (v >> 32n)));
}

/**
 * The queue Java's `SelectMessageQueueByHash` picks for `key`:
 * `abs(hashCode(key) % queues.length)`.
 *
 * @param queues the topic's publish queues (non-empty)
 * @param key the sharding key (string, integer or bigint)
 * @returns the index into `queues`
 */
export function hashQueueIndex(queues: readonly unknown[], key: string | number | bigint): number {
  if (queues.length === 0) throw new ValidationError("queues", "must not be empty");
  return Math.abs(javaHashCode(key) % queues.length);
}

/**
 * A queue selector (`SendOptions.selector`) that picks by the hash of `arg`, as Java's
 * `SelectMessageQueueByHash`.
 *
 * @param queues the topic's publish queues
 * @param _message the message (unused)
 * @param arg the sharding key: a string, an integer or a bigint
 * @returns the chosen queue
 */
export function selectMessageQueueByHash(
  queues: readonly MessageQueue[],
  _message: unknown,
  arg: unknown,
): MessageQueue {
  if (typeof arg !== "string" && typeof arg !== "number" && typeof arg !== "bigint") {
    throw new ValidationError("arg", "the hash selector needs a string, integer or bigint key");
  }
  return queues[hashQueueIndex(queues, arg)];
}
