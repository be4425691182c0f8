/**
 * The embedded name server's codes beyond routes, over real sockets: KV config (100/101/102),
 * UNREGISTER_BROKER (104), GET_BROKER_CLUSTER_INFO (106), GET_ALL_TOPIC_LIST_FROM_NAMESERVER
 * (206), with 4.9.8's response shapes.
 */

import assert from "node:assert/strict";
import { ORDER_TOPIC_CONFIG, startCluster, type TestCluster } from "../../src/testing/mod.ts";
import { call, RawClient, request, type RouteJson, routeOf, utf8 } from "./_helpers.ts";

async function withNamesrv(
  options: Parameters<typeof startCluster>[0],
  fn: (c: TestCluster, ns: RawClient) => Promise<void>,
): Promise<void> {
  const c = await startCluster(options);
  const ns = await RawClient.connect(c.namesrvAddr);
  try {
    await fn(c, ns);
  } finally {
    await ns.close();
    await c.close();
  }
}

/** The JSON header text of a frame (JSON serialize type). */
function headerText(bytes: Uint8Array): string {
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4) & 0xffffff;
  return utf8(bytes.subarray(8, 8 + len));
}

Deno.test("KV config: put, get, delete; ORDER_TOPIC_CONFIG drives the route's orderTopicConf", async () => {
  await withNamesrv({ topics: [{ name: "Ord" }] }, async (c, ns) => {
    const key = { namespace: ORDER_TOPIC_CONFIG, key: "Ord" };
    const r0 = request(101, key);
    ns.write(r0.bytes);
    const f0 = (await ns.next())!;
    assert.equal(f0.cmd.code, 22);
    assert.equal(f0.cmd.remark, "No config item, Namespace: ORDER_TOPIC_CONFIG Key: Ord");
    // GetKVConfigResponseHeader makes an (empty) extFields map even when nothing was found.
    assert.match(headerText(f0.bytes), /^\{"code":22,"extFields":\{\},"flag":1,"language":"JAVA"/);
    assert.equal((await routeOf(c.namesrvAddr, "Ord") as RouteJson).orderTopicConf, undefined);

    const put = await call(ns, 100, { ...key, value: "broker-a:4;broker-b:4" });
    assert.equal(put.code, 0);
    assert.equal(put.extFields, undefined);
    assert.equal(put.remark, undefined);
    const got = await call(ns, 101, key);
    assert.equal(got.code, 0);
    assert.deepEqual(got.extFields, { value: "broker-a:4;broker-b:4" });
    assert.equal(c.nameServer.getKVConfig(ORDER_TOPIC_CONFIG, "Ord"), "broker-a:4;broker-b:4");
    const route = await routeOf(c.namesrvAddr, "Ord") as RouteJson;
    assert.equal(route.orderTopicConf, "broker-a:4;broker-b:4");

    // The ROCKETMQ binary header gets the same answer in binary.
    const bin = await call(ns, 101, key, { binary: true });
    assert.equal(bin.serializeType, 1);
    assert.deepEqual(bin.extFields, { value: "broker-a:4;broker-b:4" });

    const del = await call(ns, 102, key);
    assert.equal(del.code, 0);
    assert.equal((await call(ns, 101, key)).code, 22);
    assert.equal((await routeOf(c.namesrvAddr, "Ord") as RouteJson).orderTopicConf, undefined);

    // Other namespaces are plain storage; a missing required field is a SYSTEM_ERROR.
    assert.equal((await call(ns, 100, { namespace: "N", key: "k", value: "v" })).code, 0);
    assert.deepEqual((await call(ns, 101, { namespace: "N", key: "k" })).extFields, { value: "v" });
    const bad = await call(ns, 100, { namespace: "N", key: "k" });
    assert.equal(bad.code, 1);
    assert.equal(bad.remark, "the custom field <value> is null");
    assert.equal(
      (await call(ns, 101, { key: "k" })).remark,
      "the custom field <namespace> is null",
    );
  });
});

Deno.test("orderMessageEnable=false keeps orderTopicConf out of routes (KV still answers)", async () => {
  await withNamesrv({
    orderMessageEnable: false,
    topics: [{ name: "Ord", orderTopicConf: "broker-a:4" }],
  }, async (c, ns) => {
    assert.equal((await routeOf(c.namesrvAddr, "Ord") as RouteJson).orderTopicConf, undefined);
    const got = await call(ns, 101, { namespace: ORDER_TOPIC_CONFIG, key: "Ord" });
    assert.deepEqual(got.extFields, { value: "broker-a:4" });
  });
});

Deno.test("GET_BROKER_CLUSTER_INFO: fastjson defaults (unquoted ids) for every version", async () => {
  await withNamesrv({}, async (c, ns) => {
    const a = c.broker("broker-a").address;
    const b = c.broker("broker-b").address;
    // HashMap order of "broker-a"/"broker-b" puts broker-b first, as in the recorded routes.
    const expected = '{"brokerAddrTable":{' +
      `"broker-b":{"brokerAddrs":{0:"${b}"},"brokerName":"broker-b","cluster":"DefaultCluster"},` +
      `"broker-a":{"brokerAddrs":{0:"${a}"},"brokerName":"broker-a","cluster":"DefaultCluster"}},` +
      '"clusterAddrTable":{"DefaultCluster":["broker-b","broker-a"]}}';
    for (const version of [399, 401]) {
      const res = await call(ns, 106, undefined, { version });
      assert.equal(res.code, 0);
      assert.equal(res.remark, undefined);
      assert.equal(utf8(res.body), expected, `version ${version}`);
    }
    // acceptStandardJsonOnly is a route-request field only: no effect here.
    const std = await call(ns, 106, { acceptStandardJsonOnly: "true" }, { version: 399 });
    assert.equal(utf8(std.body), expected);
  });
});

Deno.test("GET_ALL_TOPIC_LIST_FROM_NAMESERVER lists every registered topic", async () => {
  await withNamesrv(
    { topics: [{ name: "T1" }, { name: "T2", brokers: ["broker-b"] }] },
    async (_c, ns) => {
      const res = await call(ns, 206, undefined);
      assert.equal(res.code, 0);
      const text = utf8(res.body);
      assert.match(text, /^\{"topicList":\["/);
      assert.deepEqual(
        (JSON.parse(text).topicList as string[]).sort(),
        ["DefaultCluster_REPLY_TOPIC", "T1", "T2", "TBW102"],
      );
    },
  );
});

Deno.test("UNREGISTER_BROKER drops the broker from routes and cluster info", async () => {
  await withNamesrv({ topics: [{ name: "T1" }] }, async (c, ns) => {
    const b = c.broker("broker-b");
    const header = {
      brokerName: "broker-b",
      brokerAddr: b.address,
      clusterName: "DefaultCluster",
      brokerId: "0",
    };
    // A slave id leaves the master registered.
    assert.equal((await call(ns, 104, { ...header, brokerId: "1" })).code, 0);
    assert.equal((await routeOf(c.namesrvAddr, "T1") as RouteJson).queueDatas.length, 2);
    const { brokerId: _, ...noId } = header;
    assert.equal((await call(ns, 104, noId)).remark, "the custom field <brokerId> is null");

    const res = await call(ns, 104, header);
    assert.equal(res.code, 0);
    assert.equal(res.extFields, undefined);
    const route = await routeOf(c.namesrvAddr, "T1") as RouteJson;
    assert.deepEqual(route.brokerDatas.map((d) => d.brokerName), ["broker-a"]);
    const info = utf8((await call(ns, 106, undefined)).body);
    assert.ok(!info.includes("broker-b"), info);
    assert.match(info, /"clusterAddrTable":\{"DefaultCluster":\["broker-a"\]\}\}$/);
  });
});

Deno.test("codes the embedded name server does not implement stay unanswered", async () => {
  await withNamesrv({}, async (_c, ns) => {
    // REGISTER_BROKER (frames) and an unknown code: no answer; the next request's answer is next.
    ns.write(request(103, { brokerName: "x" }).bytes);
    ns.write(request(9999, undefined).bytes);
    const res = await call(ns, 206, undefined);
    assert.equal(res.code, 0);
    assert.equal(ns.buffered, 0);
  });
});
