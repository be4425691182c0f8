import assert from "node:assert/strict";
import {
  hashQueueIndex,
  javaHashCode,
  javaStringHashCode,
  selectMessageQueueByHash,
} from "../../src/route/select-by-hash.ts";
import { messageQueue } from "../../src/route/message-queue.ts";
import { ValidationError } from "../../src/errors.ts";

// Expected values were printed by OpenJDK 17 for for "x".hashCode(), Long.valueOf(v).hashCode() and
// SelectMessageQueueByHash (value = hash % size; if (value < 0) value = Math.abs(value)).
Deno.test("javaStringHashCode equals java.lang.String.hashCode", () => {
  assert.equal(javaStringHashCode(""), 0);
  assert.equal(javaStringHashCode("hello"), 99162322);
  assert.equal(javaStringHashCode("order-42"), 1234255197);
  assert.equal(javaStringHashCode("polygenelubricants"), -2147483648);
  assert.equal(javaStringHashCode("订单"), 1129459);
  assert.equal(javaStringHashCode("😀"), 1772899);
});

Deno.test("javaHashCode boxes numbers like Java: Integer within int range, else Long", () => {
  assert.equal(javaHashCode(42), 42);
  assert.equal(javaHashCode(-7), -7);
  assert.equal(javaHashCode(2 ** 32), 1); // Long 4294967296: (int)(v ^ v>>>32) = 1
  assert.equal(javaHashCode(-1n), 0); // Long -1: 0xffffffff ^ 0xffffffff
  assert.equal(javaHashCode(1234567890123n), 1912276436);
  assert.throws(() => javaHashCode(1.5), ValidationError);
});

Deno.test("hashQueueIndex is abs(hash % size) as SelectMessageQueueByHash", () => {
  const java: [string, number, number][] = [ // key, Java's choice of 3 queues, of 4 queues
    ["", 0, 0],
    ["hello", 1, 2],
    ["order-42", 0, 1],
    ["polygenelubricants", 2, 0], // negative hash: Java's % keeps the sign, then abs
    ["订单", 1, 3],
    ["😀", 1, 3],
  ];
  for (const [key, of3, of4] of java) {
    assert.equal(hashQueueIndex([1, 2, 3], key), of3, key);
    assert.equal(hashQueueIndex([1, 2, 3, 4], key), of4, key);
  }
  assert.equal(hashQueueIndex([1, 2, 3, 4, 5, 6, 7, 8], -13), 5);
  assert.throws(() => hashQueueIndex([], "x"), ValidationError);
});

Deno.test("selectMessageQueueByHash picks from the list and names a bad key", () => {
  const qs = [0, 1, 2, 3].map((i) => messageQueue("T", "b", i));
  assert.equal(selectMessageQueueByHash(qs, {}, "hello").queueId, 2);
  assert.throws(
    () => selectMessageQueueByHash(qs, {}, { id: 1 }),
    (e) => e instanceof ValidationError && e.field === "arg",
  );
});
