import assert from "node:assert/strict";
import { RouteNotFoundError } from "../../src/errors.ts";
import type { MessageQueue } from "../../src/route/message-queue.ts";
import { messageQueueKey } from "../../src/route/message-queue.ts";
import {
  findBrokerAddressInPublish,
  TopicPublishInfo,
  topicRouteToPublishInfo,
} from "../../src/route/publish-info.ts";
import { javaAbsMod, RoundRobinIndex } from "../../src/route/round-robin.ts";
import type { TopicRouteData } from "../../src/route/topic-route.ts";
import { withDefaultQueueNums } from "../../src/route/topic-route.ts";

/** Random source whose first value makes the round-robin counter start at `start`. */
function startAt(start: number): () => number {
  return () => (start >>> 0) / 0x1_0000_0000;
}

function route(
  queues: [string, number, number][],
  brokers: [string, Record<string, string>][],
  orderTopicConf?: string,
): TopicRouteData {
  const r: TopicRouteData = {
    queueDatas: queues.map(([brokerName, writeQueueNums, perm]) => ({
      brokerName,
      readQueueNums: writeQueueNums,
      writeQueueNums,
      perm,
      topicSysFlag: 0,
    })),
    brokerDatas: brokers.map(([brokerName, brokerAddrs]) => ({
      cluster: "DefaultCluster",
      brokerName,
      brokerAddrs,
    })),
    filterServerTable: {},
  };
  if (orderTopicConf !== undefined) r.orderTopicConf = orderTopicConf;
  return r;
}

const A = { "0": "127.0.0.1:10911" };
const B = { "0": "127.0.0.1:20911" };
const names = (l: readonly MessageQueue[]): string[] =>
  l.map((q) => `${q.brokerName}/${q.queueId}`);

Deno.test("publish info: queue data sorted by broker name, ids 0..writeQueueNums-1", () => {
  const info = topicRouteToPublishInfo(
    "T",
    route([["broker-b", 2, 6], ["broker-a", 3, 6]], [["broker-b", B], ["broker-a", A]]),
  );
  assert.deepEqual(names(info.messageQueueList), [
    "broker-a/0",
    "broker-a/1",
    "broker-a/2",
    "broker-b/0",
    "broker-b/1",
  ]);
  assert.equal(info.orderTopic, false);
  assert.equal(info.haveTopicRouterInfo, false);
  assert.ok(info.ok());
  assert.ok(info.messageQueueList.every((q) => q.topic === "T" && Object.isFrozen(q)));
  assert.equal(info.writeQueueNumsOf("broker-b"), 2);
  assert.equal(info.writeQueueNumsOf("broker-x"), -1);
  assert.deepEqual(info.queueIdsOf("broker-a"), [0, 1, 2]);
  assert.equal(messageQueueKey(info.messageQueueList[0]), "T@broker-a@0");
});

Deno.test("publish info: read-only, slave-only and broker-data-less queue data are skipped", () => {
  const info = topicRouteToPublishInfo(
    "T",
    route(
      [["broker-a", 2, 4], ["broker-b", 2, 6], ["broker-c", 2, 2], ["broker-d", 2, 7], [
        "broker-e",
        2,
        6,
      ]],
      [["broker-a", A], ["broker-b", { "1": "127.0.0.1:20912" }], ["broker-c", {
        "0": "127.0.0.1:30911",
      }], ["broker-d", { "0": "127.0.0.1:40911", "1": "127.0.0.1:40912" }]],
    ),
  );
  // a: perm 4 (read only); b: no master; e: no broker data. c (write only) and d (perm 7) stay.
  assert.deepEqual(names(info.messageQueueList), [
    "broker-c/0",
    "broker-c/1",
    "broker-d/0",
    "broker-d/1",
  ]);
  assert.equal(findBrokerAddressInPublish(info.route, "broker-d"), "127.0.0.1:40911");
  assert.equal(findBrokerAddressInPublish(info.route, "broker-b"), undefined);
  assert.equal(findBrokerAddressInPublish(info.route, "nope"), undefined);
  assert.equal(findBrokerAddressInPublish(undefined, "broker-d"), undefined);
});

Deno.test("publish info: orderTopicConf gives queues per listed broker in conf order", () => {
  const r = route([["broker-a", 8, 6]], [["broker-a", A]], "broker-b:2;broker-a:3;");
  const info = topicRouteToPublishInfo("O", r);
  assert.equal(info.orderTopic, true);
  assert.deepEqual(names(info.messageQueueList), [
    "broker-b/0",
    "broker-b/1",
    "broker-a/0",
    "broker-a/1",
    "broker-a/2",
  ]);
  assert.throws(
    () => topicRouteToPublishInfo("O", { ...r, orderTopicConf: "broker-a" }),
    /orderTopicConf/,
  );
  assert.throws(
    () => topicRouteToPublishInfo("O", { ...r, orderTopicConf: "broker-a:x" }),
    /orderTopicConf/,
  );
});

Deno.test("publish info: TBW102 route with defaultTopicQueueNums gives min(4, read) queues per broker", () => {
  const tbw = route([["broker-b", 8, 7], ["broker-a", 8, 7]], [["broker-b", B], ["broker-a", A]]);
  const info = topicRouteToPublishInfo("NewTopic", withDefaultQueueNums(tbw, 4));
  assert.deepEqual(names(info.messageQueueList), [
    "broker-a/0",
    "broker-a/1",
    "broker-a/2",
    "broker-a/3",
    "broker-b/0",
    "broker-b/1",
    "broker-b/2",
    "broker-b/3",
  ]);
  assert.equal(tbw.queueDatas[0].writeQueueNums, 8, "the TBW102 route itself is untouched");
  assert.equal(
    withDefaultQueueNums(route([["a", 2, 7]], [["a", A]]), 4).queueDatas[0].writeQueueNums,
    2,
  );
});

Deno.test("round-robin: starts at the random value, increments, masks the sign bit", () => {
  const idx = new RoundRobinIndex(startAt(5));
  assert.equal(idx.value, 5);
  assert.equal(idx.incrementAndGet(), 6);
  const neg = new RoundRobinIndex(startAt(-3));
  assert.equal(neg.value, 3, "Java starts at Math.abs(nextInt())");
  assert.equal(neg.incrementAndGet(), 4);
  const min = new RoundRobinIndex(startAt(-0x80000000));
  assert.equal(min.value, -0x80000000, "Math.abs(MIN_VALUE) stays negative");
  assert.equal(min.incrementAndGet(), 0x7fffffff & (-0x80000000 + 1));
  const top = new RoundRobinIndex(startAt(0x7fffffff));
  assert.equal(top.incrementAndGet(), 0, "2^31 wraps to MIN_VALUE, masked to 0");
  assert.equal(top.value, -0x80000000);
  assert.equal(javaAbsMod(-0x80000000, 3), 0, "Java Math.abs(MIN_VALUE) stays negative → pos 0");
  assert.equal(javaAbsMod(-7, 3), 1);
});

Deno.test("selectOneMessageQueue: round-robin over the list", () => {
  const info = topicRouteToPublishInfo(
    "T",
    route([["broker-a", 2, 6], ["broker-b", 2, 6]], [["broker-a", A], ["broker-b", B]]),
    startAt(0),
  );
  const picked = [1, 2, 3, 4, 5].map(() => info.selectOneMessageQueue());
  assert.deepEqual(names(picked), [
    "broker-a/1",
    "broker-b/0",
    "broker-b/1",
    "broker-a/0",
    "broker-a/1",
  ]);
});

Deno.test("selectOneMessageQueue(lastBrokerName): skips the last broker when another exists", () => {
  const info = topicRouteToPublishInfo(
    "T",
    route([["broker-a", 2, 6], ["broker-b", 1, 6]], [["broker-a", A], ["broker-b", B]]),
    startAt(0),
  );
  // list: a/0 a/1 b/0; index 1 → a/1 skipped, 2 → b/0.
  assert.equal(names([info.selectOneMessageQueue("broker-a")])[0], "broker-b/0");
  // index 3 → a/0 (not b).
  assert.equal(names([info.selectOneMessageQueue("broker-b")])[0], "broker-a/0");
  // Only one broker: falls back to plain round-robin after one turn.
  const one = topicRouteToPublishInfo(
    "T",
    route([["broker-a", 2, 6]], [["broker-a", A]]),
    startAt(0),
  );
  assert.equal(one.selectOneMessageQueue("broker-a").brokerName, "broker-a");
  assert.equal(one.sendWhichQueue.value, 3, "two skipped tries plus the fallback");
});

Deno.test("selectOneMessageQueue: no queues → RouteNotFoundError", () => {
  const info = new TopicPublishInfo({ topic: "Empty" });
  assert.equal(info.ok(), false);
  assert.throws(() => info.selectOneMessageQueue(), RouteNotFoundError);
  assert.throws(() => info.selectOneMessageQueue("x"), RouteNotFoundError);
});
