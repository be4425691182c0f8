import assert from "node:assert/strict";
import {
  decodeProperties,
  encodeProperties,
  MessageConst,
  RESERVED_PROPERTY_NAMES,
} from "../../src/codec/properties.ts";
import { loadFixture } from "../fixtures.ts";

const S = "\u0001", P = "\u0002";

Deno.test("encodeProperties: fixture string byte for byte, from a Map, pairs or a record", async () => {
  const fx = await loadFixture("send-v2-json");
  const recorded = (fx.exchanges[0].request.header!.extFields as Record<string, string>).i;
  const entries: [string, string][] = [
    ["TAGS", "TagA"],
    ["KEYS", "fixtureKey1 fixtureKey2"],
    ["UNIQ_KEY", "7F0000014E200BADCAFE05F5E1000601"],
    ["WAIT", "true"],
    ["fixtureUserProp", "fixtureValue"],
  ];
  assert.equal(encodeProperties(new Map(entries)), recorded);
  assert.equal(encodeProperties(entries), recorded);
  assert.equal(encodeProperties(Object.fromEntries(entries)), recorded);
  assert.ok(!recorded.endsWith(P), "no trailing separator");
});

Deno.test("encodeProperties: empty input and null/undefined values", () => {
  assert.equal(encodeProperties({}), "");
  assert.equal(encodeProperties(new Map()), "");
  const withHoles = { a: "1", b: undefined, c: null, d: "4" } as unknown as Record<string, string>;
  assert.equal(encodeProperties(withHoles), `a${S}1${P}d${S}4`);
  assert.equal(encodeProperties([["x", undefined as unknown as string], ["y", "2"]]), `y${S}2`);
  assert.equal(
    encodeProperties({ k: "" }),
    `k${S}`,
    "empty values are written (and dropped by the parser)",
  );
});

Deno.test("decodeProperties: round trip and Java parser edge cases", () => {
  const m = new Map([["TAGS", "a"], ["KEYS", "k1 k2"], ["ü", "ünïcødé ✓"]]);
  assert.deepEqual(decodeProperties(encodeProperties(m)), m);
  const cases: [string, [string, string][]][] = [
    ["", []],
    [`a${S}1${P}`, [["a", "1"]]], // Java ≥ 5.2 trailing separator
    [`a${S}1${P}${P}b${S}2`, [["a", "1"], ["b", "2"]]], // empty segment ignored
    [`a${S}${P}b${S}2`, [["b", "2"]]], // segment shorter than 3
    [`ab${S}${P}c${S}3`, [["c", "3"]]], // empty value ignored
    [`${S}ab${P}c${S}3`, [["c", "3"]]], // empty name ignored
    [`abc${P}d${S}4`, [["d", "4"]]], // no 0x01 in the segment
    [`a${S}b${S}c`, [["a", `b${S}c`]]], // value runs to the segment end
    [`a${S}1${P}a${S}2`, [["a", "2"]]], // later duplicates win
    [`k${S}v`, [["k", "v"]]],
    [`abc${P}${S}x`, []], // 0x01 at the start of the last segment
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual([...decodeProperties(input)], expected, JSON.stringify(input));
  }
});

Deno.test("decodeProperties: a 0x01 found only in a later segment does not leak across segments", () => {
  // Java finds the first 0x01 from the segment start; if it lies beyond the segment, it is ignored.
  assert.deepEqual([...decodeProperties(`abcd${P}e${S}5`)], [["e", "5"]]);
});

Deno.test("MessageConst names and the 4.9 reserved set", () => {
  assert.equal(MessageConst.PROPERTY_KEYS, "KEYS");
  assert.equal(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, "UNIQ_KEY");
  assert.equal(MessageConst.PROPERTY_TRANSACTION_PREPARED, "TRAN_MSG");
  assert.equal(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, "WAIT");
  assert.equal(MessageConst.PROPERTY_DELAY_TIME_LEVEL, "DELAY");
  assert.equal(MessageConst.PROPERTY_PRODUCER_GROUP, "PGROUP");
  assert.equal(MessageConst.KEY_SEPARATOR, " ");
  assert.equal(RESERVED_PROPERTY_NAMES.size, 30);
  for (
    const n of [
      "KEYS",
      "TAGS",
      "WAIT",
      "DELAY",
      "UNIQ_KEY",
      "TRAN_MSG",
      "PGROUP",
      "MSG_REGION",
      "TRACE_ON",
      "CLUSTER",
      "MSG_TYPE",
      "INSTANCE_ID",
    ]
  ) {
    assert.ok(RESERVED_PROPERTY_NAMES.has(n), n);
  }
  // 4.9 lets users set these (5.x reserves the timer ones).
  for (const n of ["__transactionId__", "TIMER_DELIVER_MS", "__SHARDINGKEY", "fixtureUserProp"]) {
    assert.ok(!RESERVED_PROPERTY_NAMES.has(n), n);
  }
});

Deno.test("properties: random round trips (names and values without separators, non-empty)", () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ["a", "Z", "0", " ", "=", ":", ";", "ü", "✓", "\u0000", "\u0003", "😀", "_"];
  const word = (): string =>
    Array.from({ length: 1 + rnd(6) }, () => alphabet[rnd(alphabet.length)]).join("");
  for (let i = 0; i < 200; i++) {
    const m = new Map<string, string>();
    const n = rnd(6);
    for (let j = 0; j < n; j++) m.set(word() + j, word());
    // Segments shorter than 3 characters are dropped by Java's parser: name + value ≥ 2 here
    // because the name carries a suffix digit.
    assert.deepEqual(decodeProperties(encodeProperties(m)), m);
  }
});
