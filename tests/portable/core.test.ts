// The pure core (publish info, fault strategy, properties, ids, batch) unchanged under Deno, Bun
// and Node 22: node:test + node:assert/strict only, no runtime globals beyond web standards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBatchRecords, encodeBatchRecords } from "../../src/codec/batch.ts";
import {
  createOffsetMessageId,
  decodeOffsetMessageId,
  UniqIdGenerator,
} from "../../src/codec/message-id.ts";
import { decodeProperties, encodeProperties } from "../../src/codec/properties.ts";
import { MQFaultStrategy } from "../../src/fault/fault-strategy.ts";
import { topicRouteToPublishInfo } from "../../src/route/publish-info.ts";
import { parseTopicRouteData } from "../../src/route/topic-route.ts";
import { checkTopic } from "../../src/producer/validation.ts";
import { ValidationError } from "../../src/errors.ts";

const ROUTE_V399 = '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:20911"},"brokerName":"broker-b",' +
  '"cluster":"DefaultCluster"},{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a",' +
  '"cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-b",' +
  '"perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},{"brokerName":"broker-a",' +
  '"perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';

test("route → publish info → round-robin selection", () => {
  const info = topicRouteToPublishInfo("FixtureTopic", parseTopicRouteData(ROUTE_V399), () => 0);
  assert.equal(info.messageQueueList.length, 8);
  assert.equal(info.messageQueueList[0].brokerName, "broker-a");
  const q = info.selectOneMessageQueue("broker-a");
  assert.equal(q.brokerName, "broker-b");
});

test("fault strategy: isolated broker avoided, durations from the table", () => {
  let now = 1000;
  const s = new MQFaultStrategy({ sendLatencyFaultEnable: true, random: () => 0 }, () => now);
  const info = topicRouteToPublishInfo("FixtureTopic", parseTopicRouteData(ROUTE_V399), () => 0);
  s.updateFaultItem("broker-a", 10, true);
  for (let i = 0; i < 8; i++) assert.equal(s.selectOneMessageQueue(info).brokerName, "broker-b");
  assert.equal(s.computeNotAvailableDuration(550), 30000);
  now += 600000;
  const brokers = new Set(
    Array.from({ length: 8 }, () => s.selectOneMessageQueue(info).brokerName),
  );
  assert.equal(brokers.size, 2);
});

test("properties: fixture string and Java parser rules", () => {
  const s = encodeProperties([["TAGS", "TagA"], ["WAIT", "true"]]);
  assert.equal(s, "TAGS\u0001TagA\u0002WAIT\u0001true");
  assert.deepEqual([...decodeProperties(s + "\u0002a\u0001\u0002")], [["TAGS", "TagA"], [
    "WAIT",
    "true",
  ]]);
});

test("message ids: UNIQ_KEY layout and offsetMsgId round trip", () => {
  const d = new Date(2026, 5, 1).getTime();
  const gen = new UniqIdGenerator({
    pid: 0x4e20,
    hash: 0x0badcafe,
    clock: () => d + 100_000_000,
    counter: 0x801,
  });
  assert.equal(gen.next(), "7F0000014E200BADCAFE05F5E1000801");
  const id = "7F00000100002A9F0000000098D06B37";
  const x = decodeOffsetMessageId(id);
  assert.deepEqual(x, { address: "127.0.0.1", port: 10911, offset: 0x98d06b37n });
  assert.equal(createOffsetMessageId(x.address, x.port, x.offset), id);
});

test("batch: records round trip with the fixture layout", () => {
  const body = encodeBatchRecords([{
    body: new TextEncoder().encode("batch-0"),
    flag: 0,
    properties: "TAGS\u0001Tag0\u0002UNIQ_KEY\u00017F0000014E200BADCAFE05F5E1001001",
  }]);
  assert.equal(body.length, 80);
  assert.deepEqual([...body.subarray(0, 4)], [0, 0, 0, 0x50]);
  assert.equal(decodeBatchRecords(body)[0].properties.slice(0, 10), "TAGS\u0001Tag0\u0002");
});

test("validation errors name the field and rule", () => {
  assert.throws(
    () => checkTopic("a b"),
    (e: unknown) => e instanceof ValidationError && e.field === "topic",
  );
});
