import assert from "node:assert/strict";
import { PendingSlots, type SlotEntry } from "../../src/remoting/_pending_slots.ts";

function entry(opaque: number): SlotEntry {
  return { opaque, slotSeq: -1 };
}

Deno.test("pending slots: get, has, delete and size for sequential opaques", () => {
  const t = new PendingSlots<SlotEntry>();
  const entries = Array.from({ length: 100 }, (_, i) => entry(i));
  for (const e of entries) t.set(e);
  assert.equal(t.size, 100);
  assert.equal(t.get(42), entries[42]);
  assert.equal(t.has(100), false);
  assert.equal(t.delete(42), true);
  assert.equal(t.delete(42), false);
  assert.equal(t.get(42), undefined);
  assert.equal(t.size, 99);
  assert.deepEqual(t.values().map((e) => e.opaque), [...Array(100).keys()].filter((i) => i !== 42));
});

Deno.test("pending slots: a colliding opaque grows the array and keeps every entry", () => {
  const t = new PendingSlots<SlotEntry>();
  // 0, 256, 512, … all map to slot 0 of the first arrays.
  const opaques = Array.from({ length: 12 }, (_, i) => i * 256);
  for (const o of opaques) t.set(entry(o));
  for (const o of opaques) assert.equal(t.get(o)?.opaque, o);
  assert.equal(t.size, opaques.length);
  assert.deepEqual(t.values().map((e) => e.opaque), opaques);
  for (const o of opaques) assert.equal(t.delete(o), true);
  assert.equal(t.size, 0);
  assert.deepEqual(t.values(), []);
});

Deno.test("pending slots: at the largest array, collisions go to the overflow map", () => {
  const t = new PendingSlots<SlotEntry>();
  // 65536 apart: the same slot even in the largest array.
  const opaques = [7, 7 + 65536, 7 + 2 * 65536, -65536 + 7];
  for (const o of opaques) t.set(entry(o));
  for (const o of opaques) assert.equal(t.get(o)?.opaque, o);
  assert.equal(t.get(7 + 3 * 65536), undefined);
  assert.equal(t.delete(7 + 65536), true);
  assert.equal(t.get(7 + 65536), undefined);
  assert.equal(t.get(7 + 2 * 65536)?.opaque, 7 + 2 * 65536);
  assert.deepEqual(t.values().map((e) => e.opaque), [7, 7 + 2 * 65536, -65536 + 7]);
  assert.equal(t.size, 3);
});

Deno.test("pending slots: negative (wrapped) opaques and insertion order across the wrap", () => {
  const t = new PendingSlots<SlotEntry>();
  const opaques = [2147483646, 2147483647, -2147483648, -2147483647];
  for (const o of opaques) t.set(entry(o));
  assert.deepEqual(t.values().map((e) => e.opaque), opaques);
  for (const o of opaques) assert.equal(t.get(o)?.opaque, o);
});

Deno.test("pending slots: an emptied table goes back to its initial size and keeps working", () => {
  const t = new PendingSlots<SlotEntry>();
  const far = [5, 5 + 256, 5 + 512, 5 + 65536 * 3]; // collide: the array grows, one overflows
  for (const o of far) t.set(entry(o));
  for (const o of far) assert.equal(t.delete(o), true);
  assert.equal(t.size, 0);
  assert.deepEqual(t.values(), []);
  // Reused after the reset: sequential opaques, a collision again, lookups and order.
  const next = [1000, 1001, 1000 + 256, -3];
  for (const o of next) t.set(entry(o));
  for (const o of next) assert.equal(t.get(o)?.opaque, o);
  assert.deepEqual(t.values().map((e) => e.opaque), next);
  assert.equal(t.get(5), undefined);
});
