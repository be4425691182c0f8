import assert from "node:assert/strict";
import { ProtocolError } from "../../src/errors.ts";
import { topicRouteToPublishInfo } from "../../src/route/publish-info.ts";
import {
  cloneTopicRouteData,
  parseTopicRouteData,
  type TopicRouteData,
  topicRouteEquals,
} from "../../src/route/topic-route.ts";
import { bodyBytes, loadFixture } from "../fixtures.ts";

/** Route bodies of every successful GET_ROUTEINFO_BY_TOPIC exchange of a fixture. */
async function routeBodies(name: string): Promise<{ version: number; body: Uint8Array }[]> {
  const fx = await loadFixture(name);
  return fx.exchanges
    .filter((e) => e.request.header?.code === 105 && e.response?.header?.code === 0)
    .map((e) => ({ version: e.request.header?.version as number, body: bodyBytes(e.response!) }));
}

const FIXTURE_TOPIC: TopicRouteData = {
  brokerDatas: [
    { brokerAddrs: { "0": "127.0.0.1:20911" }, brokerName: "broker-b", cluster: "DefaultCluster" },
    { brokerAddrs: { "0": "127.0.0.1:10911" }, brokerName: "broker-a", cluster: "DefaultCluster" },
  ],
  filterServerTable: {},
  queueDatas: [
    { brokerName: "broker-b", perm: 6, readQueueNums: 4, topicSysFlag: 0, writeQueueNums: 4 },
    { brokerName: "broker-a", perm: 6, readQueueNums: 4, topicSysFlag: 0, writeQueueNums: 4 },
  ],
};

Deno.test("route: v399 (unquoted keys) and v401 (standard JSON) parse to the same route", async () => {
  const bodies = [
    ...await routeBodies("route-quirk-v399"),
    ...await routeBodies("route-standard-v401"),
  ];
  assert.equal(bodies.length, 3);
  assert.ok(new TextDecoder().decode(bodies[0].body).includes('{0:"127.0.0.1:20911"}'));
  for (const { body } of bodies) {
    const r = parseTopicRouteData(body);
    assert.deepEqual(r, FIXTURE_TOPIC);
    assert.ok(topicRouteEquals(r, FIXTURE_TOPIC));
  }
});

Deno.test("route: order-conf fixture (v401 and v399) carries orderTopicConf → ordered publish info", async () => {
  const bodies = await routeBodies("route-order-conf");
  assert.equal(bodies.length, 2);
  const [a, b] = bodies.map(({ body }) => parseTopicRouteData(body));
  assert.deepEqual(a, b);
  assert.equal(a.orderTopicConf, "broker-a:4;broker-b:4");
  const info = topicRouteToPublishInfo("FixtureOrderTopic", a);
  assert.equal(info.orderTopic, true);
  assert.deepEqual(
    info.messageQueueList.map((q) => `${q.brokerName}/${q.queueId}`),
    [
      "broker-a/0",
      "broker-a/1",
      "broker-a/2",
      "broker-a/3",
      "broker-b/0",
      "broker-b/1",
      "broker-b/2",
      "broker-b/3",
    ],
  );
});

Deno.test("route: TBW102 and the auto-created topic", async () => {
  const [tbw] = await routeBodies("route-tbw102");
  const r = parseTopicRouteData(tbw.body);
  assert.deepEqual(
    r.queueDatas.map((q) => [q.brokerName, q.perm, q.readQueueNums, q.writeQueueNums]),
    [["broker-b", 7, 8, 8], ["broker-a", 7, 8, 8]],
  );
  const [auto] = await routeBodies("send-autocreate");
  const ar = parseTopicRouteData(auto.body);
  assert.deepEqual(ar.brokerDatas.map((b) => b.brokerName), ["broker-a"]);
  assert.equal(topicRouteToPublishInfo("X", ar).messageQueueList.length, 4);
});

Deno.test("route: topicSynFlag (≤ 4.8) is accepted as topicSysFlag; text input works", () => {
  const r = parseTopicRouteData(
    '{"queueDatas":[{"brokerName":"a","readQueueNums":1,"writeQueueNums":1,"perm":6,"topicSynFlag":3}],' +
      '"brokerDatas":[{"brokerName":"a","cluster":"c","brokerAddrs":{0:"127.0.0.1:1",-1:"127.0.0.1:2"}}]}',
  );
  assert.equal(r.queueDatas[0].topicSysFlag, 3);
  assert.deepEqual(r.brokerDatas[0].brokerAddrs, { "0": "127.0.0.1:1", "-1": "127.0.0.1:2" });
  assert.deepEqual(r.filterServerTable, {});
  assert.equal(r.orderTopicConf, undefined);
});

Deno.test("route: nonsense bodies are ProtocolErrors naming the field", () => {
  const cases: [string | Uint8Array, RegExp][] = [
    ["[]", /route body must be a JSON object/],
    ['{"brokerDatas":[]}', /queueDatas must be an array, got undefined/],
    ['{"queueDatas":[],"brokerDatas":{}}', /brokerDatas must be an array/],
    [
      '{"queueDatas":[{"brokerName":"a","readQueueNums":1,"writeQueueNums":1,"perm":"6"}],"brokerDatas":[]}',
      /queueDatas\[0\]\.perm must be an integer, got "6"/,
    ],
    [
      '{"queueDatas":[{"readQueueNums":1,"writeQueueNums":1,"perm":6}],"brokerDatas":[]}',
      /queueDatas\[0\]\.brokerName must be a string/,
    ],
    [
      '{"queueDatas":[],"brokerDatas":[{"brokerName":"a","brokerAddrs":{"0":5}}]}',
      /brokerDatas\[0\]\.brokerAddrs\.0 must be a string/,
    ],
    ['{"queueDatas":[],"brokerDatas":[{"brokerName":"a","brokerAddrs":{"x":"h:1"}}]}', /broker id/],
    [
      '{"queueDatas":[],"brokerDatas":[],"orderTopicConf":5}',
      /route orderTopicConf must be a string, got 5/,
    ],
    ['{"queueDatas":[],"brokerDatas":[],"filterServerTable":{"h:1":"x"}}', /filterServerTable/],
    [new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8/],
  ];
  for (const [body, re] of cases) {
    assert.throws(
      () => parseTopicRouteData(body),
      (e: unknown) => e instanceof ProtocolError && re.test(e.message),
      String(body),
    );
  }
});

Deno.test("route equality ignores list order, sees every field", () => {
  const reordered = cloneTopicRouteData(FIXTURE_TOPIC);
  reordered.queueDatas.reverse();
  reordered.brokerDatas.reverse();
  assert.ok(topicRouteEquals(FIXTURE_TOPIC, reordered));
  const changes: ((r: TopicRouteData) => void)[] = [
    (r) => r.queueDatas[0].perm = 4,
    (r) => r.queueDatas[1].writeQueueNums = 8,
    (r) => r.queueDatas.pop(),
    (r) => r.brokerDatas[0].brokerAddrs["1"] = "127.0.0.1:20912",
    (r) => r.brokerDatas[0].brokerAddrs["0"] = "127.0.0.1:30911",
    (r) => r.brokerDatas[1].cluster = "Other",
    (r) => r.orderTopicConf = "broker-a:4",
    (r) => r.filterServerTable["127.0.0.1:10911"] = ["127.0.0.1:1"],
  ];
  for (const change of changes) {
    const c = cloneTopicRouteData(FIXTURE_TOPIC);
    change(c);
    assert.equal(topicRouteEquals(FIXTURE_TOPIC, c), false, change.toString());
    assert.equal(topicRouteEquals(c, FIXTURE_TOPIC), false, change.toString());
  }
});

Deno.test("cloneTopicRouteData is deep", () => {
  const c = cloneTopicRouteData({
    ...FIXTURE_TOPIC,
    orderTopicConf: "a:1",
    filterServerTable: { h: ["x"] },
  });
  c.brokerDatas[0].brokerAddrs["0"] = "changed";
  c.queueDatas[0].perm = 0;
  c.filterServerTable.h.push("y");
  assert.equal(FIXTURE_TOPIC.brokerDatas[0].brokerAddrs["0"], "127.0.0.1:20911");
  assert.equal(FIXTURE_TOPIC.queueDatas[0].perm, 6);
  assert.equal(c.orderTopicConf, "a:1");
});

Deno.test("route: 5.x fields (acting master, zone, static-topic mapping with negative keys) are tolerated", () => {
  const r = parseTopicRouteData(
    '{"brokerDatas":[{"brokerAddrs":{1:"127.0.0.1:10912"},"brokerName":"b","cluster":"c",' +
      '"enableActingMaster":true,"zoneName":"z1"}],"filterServerTable":{},"queueDatas":' +
      '[{"brokerName":"b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2}],' +
      '"topicQueueMappingByBroker":{"b":{"topic":"T","scope":"s","totalQueues":2,"bname":"b",' +
      '"epoch":1,"dirty":false,"currIdMap":{-1:0,0:1}}}}',
  );
  assert.deepEqual(r.brokerDatas[0], {
    cluster: "c",
    brokerName: "b",
    brokerAddrs: { "1": "127.0.0.1:10912" },
    enableActingMaster: true,
    zoneName: "z1",
  });
  assert.equal("topicQueueMappingByBroker" in r, false);
  // No master (id 0): nothing to publish to.
  assert.equal(topicRouteToPublishInfo("T", r).ok(), false);
});
