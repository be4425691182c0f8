import assert from "node:assert/strict";
import {
  HeaderParts,
  SEND_HEADER_FIELDS,
  sendHeaderFields,
  sendHeaderWriter,
} from "../../src/producer/send/header.ts";
import { type PreparedMessage, prepareMessage } from "../../src/producer/send/prepare.ts";
import { PropsParts } from "../../src/producer/send/_props_parts.ts";
import type { UniqIdGenerator as IdGenerator } from "../../src/codec/message-id.ts";
import { FIXTURE_DIR } from "../fixtures.ts";
import { UniqIdGenerator } from "../../src/codec/message-id.ts";
import { ValidationError } from "../../src/errors.ts";
import type { Message } from "../../src/producer/types.ts";
import { encodeFrame } from "../../src/remoting/frame.ts";
import { FrameSlab } from "../../src/transport/connection.ts";
import {
  encodeJsonFieldsFrame,
  intLength,
  type JsonFieldsWriter,
  writeInt,
  writeJsonFieldsFrame,
} from "../../src/remoting/json-request.ts";

/** One attempt's header: its bytes (a writer) and its object form. */
function header(
  k: HeaderParts,
  prepared: PreparedMessage,
  queueId: number,
  brokerName: string,
  bornTimestamp: number,
): JsonFieldsWriter & { fields(): Record<string, string> } {
  const v = { prepared, queue: { topic: prepared.topic, brokerName, queueId }, bornTimestamp };
  return { ...sendHeaderWriter(k, v), fields: () => sendHeaderFields(k, v) };
}

Deno.test("SendHeader bytes are the bytes encodeFrame writes (escapes, non-ASCII, negatives)", () => {
  const k = new HeaderParts('g\u00e9"x', "TBW102", 4);
  const props = [
    "UNIQ_KEY\u0001ABC\u0002WAIT\u0001true",
    'TAGS\u0001t\\a"g\b\t\n\f\r\u001f\u007f\u0002WAIT\u0001false',
    "KEYS\u0001k\u00e9\ud83d\ude00\u0002WAIT\u0001true",
    "",
  ];
  const body = new Uint8Array([1, 2, 3]);
  for (const properties of props) {
    for (
      const [batch, sysFlag, flag, queueId, opaque] of [
        [false, 0, 0, 0, 0],
        [true, 4, -7, 15, -2147483648],
        [false, 0x301, 2147483647, 1234, 2147483647],
      ] as const
    ) {
      for (const broker of ["broker-a", "br\u00f6ker"]) {
        const p = { topic: "T_1", properties, batch, sysFlag, flag } as unknown as PreparedMessage;
        const expected = encodeFrame({
          code: 310,
          language: 7,
          version: 401,
          opaque,
          flag: 0,
          extFields: header(k, p, queueId, broker, 1700000000123).fields(),
          body,
          serializeType: 0,
        });
        const writer = header(k, p, queueId, broker, 1700000000123);
        assert.deepEqual(encodeJsonFieldsFrame(310, 7, 401, opaque, 0, writer, body), expected);
        // In place, after other bytes of a slab: the same frame at the reserved offset.
        const slab = new FrameSlab();
        slab.reserve((opaque & 31) + 5);
        const length = writeJsonFieldsFrame(slab, 320, 7, 401, opaque, 0, writer, undefined);
        assert.equal(slab.at, (opaque & 31) + 5);
        assert.deepEqual(
          slab.buffer.subarray(slab.at, slab.at + length),
          encodeFrame({
            code: 320,
            language: 7,
            version: 401,
            opaque,
            flag: 0,
            extFields: header(k, p, queueId, broker, 1700000000123).fields(),
            serializeType: 0,
          }),
        );
      }
    }
  }
});

Deno.test("writeInt / intLength print integers as String() does", () => {
  for (
    const n of [0, 1, 9, 10, 99, 100, -1, -10, 2147483647, -2147483648, 1700000000123, 2 ** 53 - 1]
  ) {
    const buf = new Uint8Array(24);
    const end = writeInt(buf, 2, n);
    assert.equal(end - 2, intLength(n));
    assert.equal(new TextDecoder().decode(buf.subarray(2, end)), String(n));
  }
});

Deno.test("plain messages use cached properties parts: same properties and frame bytes", () => {
  const k = new HeaderParts("g", "TBW102", 4);
  const uniqIds = new UniqIdGenerator({ ip: new Uint8Array([127, 0, 0, 1]), pid: 42 });
  const body = new Uint8Array([1, 2, 3]);
  const messages: Message[] = [
    { topic: "T", body },
    { topic: "T", body, tags: "TagA" },
    { topic: "T", body, tags: "" },
    { topic: "T", body, tags: 'q"\\\u00e9\ud83d\ude00\t', waitStoreMsgOK: false },
    { topic: "T", body, tags: "TagA", waitStoreMsgOK: true },
    { topic: "T", body, tags: "TagA", keys: "k" }, // not plain: the general path
  ];
  for (const namespace of [undefined, "ns_1"]) {
    const ctx = {
      namespace,
      group: "g",
      maxMessageSize: 4 << 20,
      uniqIds,
      propsParts: new PropsParts(namespace),
    };
    for (const m of messages) {
      for (let round = 0; round < 2; round++) { // the second round hits the cache
        const p = prepareMessage(m, ctx);
        assert.equal(p.propsHead !== undefined, m.keys === undefined, "plain ⇔ parts");
        const general = {
          ...p,
          properties: p.properties,
          propsHead: undefined,
          propsTail: undefined,
        };
        const reference = prepareMessage({ ...m, keys: m.keys ?? [] }, ctx); // [] → general path
        assert.equal(reference.propsHead, undefined);
        assert.equal(
          p.properties,
          reference.properties.replace(reference.msgId, p.msgId),
          "same properties text",
        );
        const generalHeader = header(k, general, 2, "broker-a", 1700000000123);
        const expected = encodeJsonFieldsFrame(310, 7, 401, 9, 0, generalHeader, body);
        const plain = header(k, p, 2, "broker-a", 1700000000123);
        assert.deepEqual(encodeJsonFieldsFrame(310, 7, 401, 9, 0, plain, body), expected);
      }
    }
  }
  assert.throws(
    () =>
      prepareMessage({ topic: "T", body, tags: "a\u0001b" }, {
        namespace: undefined,
        group: "g",
        maxMessageSize: 4 << 20,
        uniqIds,
        propsParts: new PropsParts(undefined),
      }),
    (e: unknown) => e instanceof ValidationError && e.field === "tags",
  );
});

Deno.test("plain sends through cached header parts: every field right across topics, brokers, queues, ids and times", () => {
  const k = new HeaderParts("g", "TBW102", 4);
  const uniqIds = new UniqIdGenerator({ ip: new Uint8Array([127, 0, 0, 1]), pid: 42 });
  const ctx = {
    namespace: undefined,
    group: "g",
    maxMessageSize: 4 << 20,
    uniqIds,
    propsParts: new PropsParts(undefined),
  };
  const body = new Uint8Array([9]);
  const times = [1700000000123, 1700000000123, 1700000000999, 999999999999, 1700000001000];
  let checked = 0;
  // One send through the writer, compared byte for byte with encodeFrame of its fields().
  const check = (p: PreparedMessage, queueId: number, broker: string, born: number, op: number) => {
    const expected = encodeFrame({
      code: 310,
      language: 7,
      version: 401,
      opaque: op,
      flag: 0,
      extFields: header(k, p, queueId, broker, born).fields(),
      body,
      serializeType: 0,
    });
    const writer = header(k, p, queueId, broker, born);
    assert.deepEqual(
      encodeJsonFieldsFrame(310, 7, 401, op, 0, writer, body),
      expected,
      `send ${op}`,
    );
    checked++;
  };
  // Round-robin over two brokers with the same queue ids (same slot candidates), two topics,
  // tags on and off, flags and timestamps of another digit count: hits must never mix them up.
  for (let i = 0; i < 3000; i++) {
    const m: Message = {
      topic: i % 7 < 5 ? "T" : "Other_Topic",
      body,
      tags: i % 3 === 0 ? undefined : "TagA",
      flag: i % 11 === 0 ? 12345 : 0,
      waitStoreMsgOK: i % 13 !== 0,
    };
    const p = prepareMessage(m, ctx, times[i % times.length]);
    // Mostly two brokers; now and then one of 45 others, so slots get shared and must be checked.
    const broker = i % 5 === 4 ? `broker-${i % 45}` : i % 2 === 0 ? "broker-a" : "broker-b";
    const queueId = (i >> 1) % 4 + (i % 17 === 0 ? 300 : 0);
    const born = times[(i * 3) % times.length];
    check(p, queueId, broker, born, i);
  }
  // Many brokers on queue 0, twice over: brokers created 32 apart share a slot.
  for (let round = 0; round < 2; round++) {
    for (let j = 0; j < 64; j++) {
      const p = prepareMessage({ topic: "T", body, tags: "TagA" }, ctx, times[0]);
      check(p, 0, `many-${j}`, times[0], j);
    }
  }
  // Queues 256 apart (same slot) and a compressed body's sysFlag on the same topic and broker.
  for (let j = 0; j < 8; j++) {
    const p = prepareMessage({ topic: "T", body, tags: "TagA" }, ctx, times[0]);
    // j < 4: queues 0 and 256 in turn; then queue 0 with sysFlag 0 and 769 in turn.
    if (j >= 4 && j % 2 === 1) p.sysFlag |= 0x301; // what compressIfNeeded sets
    const queueId = j < 4 && j % 2 === 1 ? 256 : 0;
    check(p, queueId, "broker-a", times[0], j);
  }
  assert.equal(checked, 3136);
});

const fixture = JSON.parse(await Deno.readTextFile(new URL("send-v2-json.json", FIXTURE_DIR)));

Deno.test("send header: the a…n table, the fixture's field order and values", () => {
  const sent = fixture.exchanges[0].request.header.extFields as Record<string, string>;
  const uniq = sent.i.split("\u0002")[2].split("\u0001")[1];
  const p = prepareMessage({
    topic: "FixtureTopic",
    body: "hello",
    tags: "TagA",
    keys: ["fixtureKey1", "fixtureKey2"],
    properties: { fixtureUserProp: "fixtureValue" },
  }, {
    namespace: undefined,
    group: "fixture_group",
    maxMessageSize: 4 << 20,
    // A generator whose next id is the fixture's (stem + 16-bit counter, as UniqIdGenerator).
    uniqIds: {
      advance() {},
      lastStem: { text: uniq.slice(0, -4), bytes: new TextEncoder().encode(uniq.slice(0, -4)) },
      lastCounter: parseInt(uniq.slice(-4), 16),
    } as unknown as IdGenerator,
    propsParts: new PropsParts(undefined),
  });
  const fixtureHeader = header(
    new HeaderParts("fixture_group", "TBW102", 4),
    p,
    0,
    "broker-a",
    Number(sent.g),
  );
  const h = fixtureHeader.fields();
  assert.deepEqual(Object.keys(h), Object.keys(sent));
  assert.deepEqual(Object.keys(h), SEND_HEADER_FIELDS.map(([wire]) => wire));
  assert.deepEqual(h, sent);
  assert.equal(p.msgId, uniq);
  // The bytes are the fixture's extFields JSON.
  const bytes = new Uint8Array(fixtureHeader.byteLength);
  fixtureHeader.write(bytes, 0);
  assert.equal(new TextDecoder().decode(bytes), JSON.stringify(sent));
});
