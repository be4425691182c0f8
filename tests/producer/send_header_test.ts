import assert from "node:assert/strict";
import {
  buildSendHeader,
  type HeaderConstants,
  sendHeaderJson,
} from "../../src/producer/kernel.ts";
import type { PreparedMessage } from "../../src/producer/message.ts";
import { encodeFrame, encodeJsonRequestFrame } from "../../src/remoting/frame.ts";
import { FrameSlab } from "../../src/transport/connection.ts";

Deno.test("sendHeaderJson is the JSON encodeFrame writes for buildSendHeader's object", () => {
  const k: HeaderConstants = {
    group: 'g\u00e9"x',
    createTopicKey: "TBW102",
    defaultTopicQueueNums: "4",
  };
  const cases: Array<[string, string, boolean, number, number]> = [
    ["TopicA", "UNIQ_KEY\u0001ABC\u0002WAIT\u0001true", false, 0, 0],
    [
      "TopicA",
      'TAGS\u0001t\\a"g\u0002KEYS\u0001k\u00e9\ud83d\ude00\u0002WAIT\u0001false',
      false,
      4,
      -7,
    ],
    ["Topic_B", "WAIT\u0001true", true, 0, 2147483647],
  ];
  for (const [topic, properties, batch, sysFlag, flag] of cases) {
    for (const broker of ["broker-a", "br\u00f6ker"]) {
      const p = { topic, properties, batch, sysFlag, flag } as unknown as PreparedMessage;
      const expected = encodeFrame({
        code: 310,
        language: 7,
        version: 401,
        opaque: 12345,
        flag: 0,
        extFields: buildSendHeader(k, p, 3, broker, 1700000000123),
        body: new Uint8Array([1, 2, 3]),
        serializeType: 0,
      });
      const json = sendHeaderJson(k, p, 3, broker, 1700000000123);
      assert.equal(json, sendHeaderJson(k, p, 3, broker, 1700000000123), "cached parts reused");
      const actual = encodeJsonRequestFrame(310, 7, 401, 12345, 0, json, new Uint8Array([1, 2, 3]));
      assert.deepEqual(actual, expected);
      const slab = new FrameSlab();
      assert.deepEqual(
        encodeJsonRequestFrame(
          310,
          7,
          401,
          12345,
          0,
          json,
          new Uint8Array([1, 2, 3]),
          slab.allocate,
        ),
        expected,
      );
    }
  }
});
