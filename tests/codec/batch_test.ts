import assert from "node:assert/strict";
import { ProtocolError, ValidationError } from "../../src/errors.ts";
import { decodeBatchRecords, encodeBatchRecords } from "../../src/codec/batch.ts";
import { encodeProperties } from "../../src/codec/properties.ts";
import { bodyBytes, loadFixture } from "../fixtures.ts";

const te = new TextEncoder();

Deno.test("batch: reproduces the send-batch fixture body byte for byte", async () => {
  const fx = await loadFixture("send-batch");
  const ex = fx.exchanges[0];
  const expected = bodyBytes(ex.request);
  const records = [0, 1, 2].map((i) => ({
    body: te.encode(`batch-${i}`),
    flag: 0,
    properties: encodeProperties([["TAGS", `Tag${i}`], [
      "UNIQ_KEY",
      `7F0000014E200BADCAFE05F5E100100${i + 1}`,
    ]]),
  }));
  assert.deepEqual(encodeBatchRecords(records), expected);
  const decoded = decodeBatchRecords(expected);
  assert.deepEqual(
    decoded.map((r) => r.properties),
    (ex.observed!.messages as { properties: string }[]).map((m) => m.properties),
  );
  assert.deepEqual(decoded.map((r) => new TextDecoder().decode(r.body)), [
    "batch-0",
    "batch-1",
    "batch-2",
  ]);
});

Deno.test("batch: flags, empty properties, UTF-8 properties and decoding from an offset view", () => {
  const records = [
    { body: new Uint8Array([1, 2, 3]), flag: -7, properties: "" },
    { body: new Uint8Array(300).fill(9), flag: 0x7fffffff, properties: "k\u0001ünï" },
  ];
  const enc = encodeBatchRecords(records);
  assert.equal(enc.length, 22 + 3 + 22 + 300 + 7);
  const padded = new Uint8Array(enc.length + 5);
  padded.set(enc, 5);
  assert.deepEqual(decodeBatchRecords(padded.subarray(5)), records);
  assert.deepEqual(encodeBatchRecords([]), new Uint8Array(0));
});

Deno.test("batch: properties over 32767 bytes and non-int32 flags are ValidationErrors", () => {
  const big = { body: new Uint8Array(1), flag: 0, properties: "x".repeat(32768) };
  assert.throws(
    () => encodeBatchRecords([{ ...big, properties: "ok" }, big]),
    (e: unknown) =>
      e instanceof ValidationError && e.field === "messages[1].properties" &&
      /at most 32767 bytes, got 32768/.test(e.rule),
  );
  assert.equal(
    encodeBatchRecords([{ ...big, properties: "x".repeat(32767) }]).length,
    22 + 1 + 32767,
  );
  assert.throws(
    () => encodeBatchRecords([{ body: new Uint8Array(1), flag: 2 ** 31, properties: "" }]),
    ValidationError,
  );
});

Deno.test("batch: malformed bodies are ProtocolErrors", () => {
  const good = encodeBatchRecords([{ body: new Uint8Array([1]), flag: 0, properties: "a\u0001b" }]);
  const corrupt = (f: (b: Uint8Array, v: DataView) => void): Uint8Array => {
    const b = good.slice();
    f(b, new DataView(b.buffer));
    return b;
  };
  const cases = [
    good.subarray(0, 10), // truncated
    corrupt((_, v) => v.setInt32(0, 1000)), // TOTALSIZE beyond the body
    corrupt((_, v) => v.setInt32(0, 5)), // TOTALSIZE below the overhead
    corrupt((_, v) => v.setInt32(16, 100)), // body length beyond TOTALSIZE
    corrupt((_, v) => v.setInt16(21, 1)), // properties length inconsistent
    corrupt((b) => b[23] = 0xff), // properties not UTF-8
  ];
  for (const c of cases) assert.throws(() => decodeBatchRecords(c), ProtocolError);
});
