/**
 * The embedded broker's send path, inspection API, validation, auto-create, permissions,
 * heartbeats and transactions, over real sockets.
 */

import assert from "node:assert/strict";
import { encodeBatchRecords } from "../../src/codec/batch.ts";
import { createOffsetMessageId, decodeOffsetMessageId } from "../../src/codec/message-id.ts";
import { startCluster, type StoredMessage, type TestCluster } from "../../src/testing/mod.ts";
import { call, RawClient, request, type RouteJson, routeOf, until, utf8, v2 } from "./_helpers.ts";

async function withCluster(
  options: Parameters<typeof startCluster>[0],
  fn: (c: TestCluster, a: RawClient) => Promise<void>,
): Promise<void> {
  const c = await startCluster(options);
  const a = await RawClient.connect(c.broker("broker-a").address);
  try {
    await fn(c, a);
  } finally {
    await a.close();
    await c.close();
  }
}

Deno.test("sends are stored per queue with increasing offsets and real offsetMsgIds", async () => {
  await withCluster({ topics: [{ name: "T1" }] }, async (c, a) => {
    const broker = c.broker("broker-a");
    const seen: StoredMessage[] = [];
    const off = broker.onMessage((m) => seen.push(m));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(a, 310, v2("T1", { e: "2", f: "4", h: "7" }), { body: `m${i}` });
      assert.equal(res.code, 0);
      assert.equal(res.extFields?.queueId, "2");
      assert.equal(res.extFields?.queueOffset, String(i));
      ids.push(res.extFields!.msgId);
    }
    off();
    const msgs = broker.messages("T1");
    assert.equal(msgs.length, 3);
    assert.equal(seen.length, 3);
    for (const [i, m] of msgs.entries()) {
      assert.equal(utf8(m.body), `m${i}`);
      assert.equal(m.queueId, 2);
      assert.equal(m.queueOffset, i);
      assert.equal(m.sysFlag, 4);
      assert.equal(m.flag, 7);
      assert.equal(m.bornTimestamp, 1795561674218);
      assert.equal(m.producerGroup, "test_group");
      assert.equal(m.msgId, ids[i]);
      assert.equal(m.msgId, createOffsetMessageId("127.0.0.1", broker.port, m.commitLogOffset));
      const d = decodeOffsetMessageId(m.msgId);
      assert.equal(d.port, broker.port);
      assert.equal(d.offset, m.commitLogOffset);
      // Stored like 4.9.8: CLUSTER added, WAIT dropped; what was sent is kept apart.
      assert.equal(m.properties.get("CLUSTER"), "DefaultCluster");
      assert.equal(m.properties.get("TAGS"), "TagA");
      assert.equal(m.properties.has("WAIT"), false);
      assert.equal(m.sentProperties.get("WAIT"), "true");
    }
    // The commit-log offset advances by the stored record size (84 + 4 + 2 + 1 + 2 + 2 + props).
    assert.ok(msgs[1].commitLogOffset > msgs[0].commitLogOffset);
    assert.equal(broker.requestCount(310), 3);
    assert.equal(broker.storedCount, 3);
    assert.equal(c.broker("broker-b").messages().length, 0);
  });
});

Deno.test("V1 and binary V2 sends; negative queue id picks a writable queue", async () => {
  await withCluster({ topics: [{ name: "T1", queues: 2 }] }, async (c, a) => {
    const v1 = {
      producerGroup: "g1",
      topic: "T1",
      defaultTopic: "TBW102",
      defaultTopicQueueNums: "4",
      queueId: "-1",
      sysFlag: "0",
      bornTimestamp: "1",
      flag: "0",
      properties: "KEYS\u0001k1 k2",
    };
    const r1 = await call(a, 10, v1, { body: "v1" });
    assert.equal(r1.code, 0);
    assert.ok(["0", "1"].includes(r1.extFields!.queueId));
    const r2 = await call(a, 310, v2("T1", { e: "1" }), { body: "bin", binary: true });
    assert.equal(r2.serializeType, 1);
    assert.deepEqual(Object.keys(r2.extFields!), [
      "msgId",
      "queueId",
      "queueOffset",
      "TRACE_ON",
      "MSG_REGION",
    ]);
    const msgs = c.broker("broker-a").messages("T1");
    assert.deepEqual(msgs.map((m) => m.requestCode), [10, 310]);
    assert.equal(msgs[0].properties.get("KEYS"), "k1 k2");
  });
});

Deno.test("batch: one stored message per record, consecutive offsets, comma-joined ids", async () => {
  await withCluster({ topics: [{ name: "T1" }] }, async (c, a) => {
    await call(a, 310, v2("T1"), { body: "first" });
    const body = encodeBatchRecords([0, 1, 2].map((i) => ({
      body: new TextEncoder().encode(`b${i}`),
      flag: i,
      properties: `UNIQ_KEY\u0001ID${i}`,
    })));
    const res = await call(a, 320, v2("T1", { i: "WAIT\u0001true", m: "true" }), { body });
    assert.equal(res.code, 0);
    assert.equal(res.extFields!.queueOffset, "1");
    const ids = res.extFields!.msgId.split(",");
    const stored = c.broker("broker-a").messages("T1").slice(1);
    assert.deepEqual(stored.map((m) => m.msgId), ids);
    assert.deepEqual(stored.map((m) => m.queueOffset), [1, 2, 3]);
    assert.deepEqual(stored.map((m) => utf8(m.body)), ["b0", "b1", "b2"]);
    assert.deepEqual(stored.map((m) => m.flag), [0, 1, 2]);
    assert.ok(stored.every((m) => m.batch && m.requestCode === 320));
    assert.equal(stored[1].properties.get("UNIQ_KEY"), "ID1");
    // 4.8+ brokers append the batch properties and CLUSTER to each entry.
    assert.equal(stored[1].properties.get("WAIT"), "true");
    assert.equal(stored[1].properties.get("CLUSTER"), "DefaultCluster");

    const bad = await call(a, 320, v2("T1", { m: "true" }), { body: new Uint8Array(7) });
    assert.equal(bad.code, 13);
  });
});

Deno.test("4.9.8 validation: codes and remarks", async () => {
  await withCluster({ topics: [{ name: "T1" }] }, async (_c, a) => {
    const send = (topic: string, over: Record<string, string> = {}, body = "x") =>
      call(a, 310, v2(topic, over), { body });
    let r = await send("bad topic");
    assert.equal(r.code, 1);
    assert.equal(
      r.remark,
      "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$",
    );
    assert.deepEqual(r.extFields, { TRACE_ON: "true", MSG_REGION: "DefaultRegion" });
    r = await send("t".repeat(128));
    assert.equal(r.code, 1);
    assert.equal(r.remark, "The specified topic is longer than topic max length.");
    for (
      const t of [
        "SCHEDULE_TOPIC_XXXX",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
        "SELF_TEST_TOPIC",
        "OFFSET_MOVED_EVENT",
      ]
    ) {
      r = await send(t);
      assert.equal(r.code, 16, t);
      assert.equal(r.remark, `Sending message to topic[${t}] is forbidden.`);
    }
    r = await send("T1", { e: "4" });
    assert.equal(r.code, 1);
    assert.match(
      r.remark!,
      /^request queueId\[4\] is illegal, TopicConfig \[topicName=T1, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false\] Producer: 127\.0\.0\.1:\d+$/,
    );
    r = await send("T1", { i: "k\u0001" + "v".repeat(32766) });
    assert.equal(r.code, 13);
    assert.match(r.remark!, /^the message is illegal/);
    r = await send("NoDefault", { c: "NoSuchDefault" });
    assert.equal(r.code, 17);
    assert.equal(
      r.remark,
      "topic[NoDefault] not exist, apply first please!\nSee http://rocketmq.apache.org/docs/faq/ for further details.",
    );
    const missing = await call(a, 310, { b: "T1" }, { body: "x" });
    assert.equal(missing.code, 1);
  });
});

Deno.test("auto-create through TBW102: min(d, 8) queues, perm 6, visible in the route", async () => {
  await withCluster({}, async (c, a) => {
    assert.equal(await routeOf(c.namesrvAddr, "Auto1"), 17);
    assert.equal((await call(a, 310, v2("Auto1", { d: "16" }), { body: "x" })).code, 0);
    const route = await routeOf(c.namesrvAddr, "Auto1") as RouteJson;
    assert.deepEqual(route.queueDatas, [
      { brokerName: "broker-a", perm: 6, readQueueNums: 8, topicSysFlag: 0, writeQueueNums: 8 },
    ]);
    assert.deepEqual(route.brokerDatas.map((b) => b.brokerName), ["broker-a"]);
    assert.deepEqual(c.broker("broker-a").topicConfig("Auto1"), {
      topic: "Auto1",
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicSysFlag: 0,
    });
    const tbw = await routeOf(c.namesrvAddr, "TBW102") as RouteJson;
    assert.deepEqual(tbw.queueDatas.map((q) => [q.brokerName, q.perm, q.writeQueueNums]), [
      ["broker-b", 7, 8],
      ["broker-a", 7, 8],
    ]);
  });
  await withCluster({ autoCreateTopicEnable: false }, async (c, a) => {
    assert.equal(await routeOf(c.namesrvAddr, "TBW102"), 17);
    const r = await call(a, 310, v2("Auto2"), { body: "x" });
    assert.equal(r.code, 17);
    assert.equal(c.broker("broker-a").topicConfig("Auto2"), undefined);
  });
});

Deno.test("routes merge brokers, carry orderTopicConf, and follow perm changes", async () => {
  await withCluster({ brokers: 3 }, async (c, a) => {
    c.createTopic("Multi", { queues: 2, brokers: ["broker-a", "broker-c"] });
    let route = await routeOf(c.namesrvAddr, "Multi") as RouteJson;
    assert.deepEqual(route.queueDatas.map((q) => q.brokerName).sort(), ["broker-a", "broker-c"]);
    assert.equal(route.orderTopicConf, undefined);
    assert.deepEqual(route.brokerDatas.find((b) => b.brokerName === "broker-c")?.brokerAddrs, {
      "0": c.broker("broker-c").address,
    });
    c.createTopic("Ordered", { orderTopicConf: "broker-a:2;broker-b:2" });
    route = await routeOf(c.namesrvAddr, "Ordered") as RouteJson;
    assert.equal(route.orderTopicConf, "broker-a:2;broker-b:2");
    assert.equal(route.queueDatas.length, 3);

    // Read-only on broker-a: the route says perm 4 there (clients skip it), but a 4.9.8 broker
    // does not check topic perm on send, so a send that gets there anyway is stored.
    c.broker("broker-a").setTopicPerm("Multi", 4);
    route = await routeOf(c.namesrvAddr, "Multi") as RouteJson;
    assert.equal(route.queueDatas.find((q) => q.brokerName === "broker-a")?.perm, 4);
    assert.equal(route.queueDatas.find((q) => q.brokerName === "broker-c")?.perm, 6);
    assert.equal((await call(a, 310, v2("Multi"), { body: "x" })).code, 0);
    assert.equal(c.broker("broker-a").messages("Multi").length, 1);
    c.broker("broker-a").setTopicPerm("Multi", 6);
    assert.equal((await call(a, 310, v2("Multi"), { body: "x" })).code, 0);

    c.broker("broker-a").deleteTopic("Multi");
    route = await routeOf(c.namesrvAddr, "Multi") as RouteJson;
    assert.deepEqual(route.queueDatas.map((q) => q.brokerName), ["broker-c"]);
  });
});

Deno.test("enforceTopicPerm keeps the strict (non-4.9.8) topic perm check on send", async () => {
  await withCluster({ enforceTopicPerm: true, topics: [{ name: "RO", perm: 4 }] }, async (c, a) => {
    const r = await call(a, 310, v2("RO"), { body: "x" });
    assert.equal(r.code, 16);
    assert.equal(r.remark, "the broker[127.0.0.1] sending message is forbidden");
    assert.equal(c.broker("broker-a").messages("RO").length, 0);
    c.broker("broker-a").setTopicPerm("RO", 6);
    assert.equal((await call(a, 310, v2("RO"), { body: "x" })).code, 0);
  });
});

Deno.test("brokerPermission: route perm follows the broker; only order topics are refused", async () => {
  const topics = [{ name: "Plain" }, { name: "Ord", orderTopicConf: "broker-a:4;broker-b:4" }];
  await withCluster({ topics }, async (c, a) => {
    const broker = c.broker("broker-a");
    assert.equal(broker.brokerPermission, 6);
    broker.setBrokerPermission(4);
    for (const t of ["Plain", "Ord", "TBW102"]) {
      const route = await routeOf(c.namesrvAddr, t) as RouteJson;
      assert.equal(route.queueDatas.find((q) => q.brokerName === "broker-a")?.perm, 4, t);
      assert.equal(
        route.queueDatas.find((q) => q.brokerName === "broker-b")?.perm,
        t === "TBW102" ? 7 : 6,
      );
    }
    // msgCheck refuses order topics only; other sends are stored.
    const r = await call(a, 310, v2("Ord"), { body: "x" });
    assert.equal(r.code, 16);
    assert.equal(r.remark, "the broker[127.0.0.1] sending message is forbidden");
    assert.equal((await call(a, 310, v2("Plain"), { body: "x" })).code, 0);
    assert.equal(broker.messages("Plain").length, 1);
    assert.equal(broker.topicConfig("Plain")?.perm, 6);

    broker.setBrokerPermission(6);
    assert.equal((await call(a, 310, v2("Ord"), { body: "x" })).code, 0);
    const route = await routeOf(c.namesrvAddr, "Ord") as RouteJson;
    assert.equal(route.queueDatas.find((q) => q.brokerName === "broker-a")?.perm, 6);
  });
});

Deno.test("heartbeats and unregistration are tracked per client and group", async () => {
  await withCluster({}, async (c, a) => {
    const body = JSON.stringify({
      clientID: "10.0.0.1@1#1",
      consumerDataSet: [],
      producerDataSet: [{ groupName: "gA" }, { groupName: "CLIENT_INNER_PRODUCER" }],
    });
    const hb = await call(a, 34, {}, { body });
    assert.equal(hb.code, 0);
    assert.equal(hb.extFields, undefined);
    const broker = c.broker("broker-a");
    assert.deepEqual(broker.producerGroups().sort(), ["CLIENT_INNER_PRODUCER", "gA"]);
    let client = broker.clients()[0];
    assert.equal(client.clientId, "10.0.0.1@1#1");
    assert.equal(client.language, 7);
    assert.equal(client.version, 401);
    assert.equal(client.heartbeats, 1);
    const un = await call(a, 35, { clientID: "10.0.0.1@1#1", producerGroup: "gA" });
    assert.equal(un.code, 0);
    assert.deepEqual(un.extFields, {});
    client = broker.clients()[0];
    assert.deepEqual(client.producerGroups, ["CLIENT_INNER_PRODUCER"]);
    assert.deepEqual(client.unregistered, ["gA"]);
    assert.equal(broker.requestCount(34), 1);
    assert.equal(broker.requestCount(35), 1);
    // Unregistering without a heartbeat here still shows up.
    await call(a, 35, { clientID: "other", producerGroup: "gB" });
    const other = broker.clients().find((x) => x.clientId === "other");
    assert.deepEqual(other?.unregistered, ["gB"]);
    assert.equal(other?.heartbeats, 0);
  });
});

Deno.test("transactions: half message, END_TRANSACTION commit/rollback, check-back", async () => {
  await withCluster({ topics: [{ name: "Tx" }] }, async (c, a) => {
    const broker = c.broker("broker-a");
    await call(a, 34, {}, {
      body: JSON.stringify({ clientID: "c1", producerDataSet: [{ groupName: "txg" }] }),
    });
    const half = (uniq: string) =>
      call(
        a,
        310,
        v2("Tx", {
          a: "txg",
          e: "1",
          f: "4",
          i: `TRAN_MSG\u0001true\u0002PGROUP\u0001txg\u0002UNIQ_KEY\u0001${uniq}`,
        }),
        {
          body: uniq,
        },
      );
    const r1 = await half("U1");
    const r2 = await half("U2");
    assert.equal(r1.code, 0);
    assert.equal(r1.extFields!.queueId, "1");
    assert.equal(broker.messages("Tx").length, 0);
    const halves = broker.messages("RMQ_SYS_TRANS_HALF_TOPIC");
    assert.equal(halves.length, 2);
    assert.equal(halves[0].properties.get("REAL_TOPIC"), "Tx");
    assert.equal(halves[0].properties.get("REAL_QID"), "1");
    assert.equal(halves[0].queueId, 0);
    assert.equal(halves[0].msgId, r1.extFields!.msgId);

    // Check-back to the producer group's connection: one-way code 39 with the real topic.
    assert.equal(broker.checkTransaction(halves[0]), true);
    const check = await a.next();
    assert.equal(check?.cmd.code, 39);
    assert.equal(check?.cmd.flag, 2);
    assert.equal(check?.cmd.extFields?.commitLogOffset, String(halves[0].commitLogOffset));
    assert.equal(check?.cmd.extFields?.msgId, "U1");
    assert.equal(check?.cmd.extFields?.offsetMsgId, halves[0].msgId);
    const rec = check!.cmd.body!;
    const topicAt = 88 + new DataView(rec.buffer, rec.byteOffset).getInt32(84);
    assert.equal(utf8(rec.subarray(topicAt + 1, topicAt + 1 + rec[topicAt])), "Tx");

    const end = (m: StoredMessage, uniq: string, state: string) =>
      a.write(
        request(37, {
          producerGroup: "txg",
          tranStateTableOffset: String(m.queueOffset),
          commitLogOffset: String(m.commitLogOffset),
          commitOrRollback: state,
          fromTransactionCheck: "false",
          msgId: uniq,
        }, { oneway: true }).bytes,
      );
    end(halves[0], "U1", "8");
    end(halves[1], "U2", "12");
    // One-way: no answer. The next frame is the answer to this probe.
    const probe = await call(a, 9999, {});
    assert.equal(probe.code, 3);
    await until(() => broker.endTransactions().length === 2);
    assert.deepEqual(
      broker.endTransactions().map((e) => [e.msgId, e.commitOrRollback, e.outcome, e.oneway]),
      [
        ["U1", 8, "committed", true],
        ["U2", 12, "rolledBack", true],
      ],
    );
    const committed = broker.messages("Tx");
    assert.equal(committed.length, 1);
    assert.equal(utf8(committed[0].body), "U1");
    assert.equal(committed[0].queueId, 1);
    assert.equal(committed[0].properties.get("REAL_TOPIC"), undefined);
    assert.equal(committed[0].sysFlag & 0xc, 0x8);
    assert.equal(r2.code, 0);
  });
});

Deno.test("unknown codes, one-way sends and VIEW_MESSAGE_BY_ID", async () => {
  await withCluster({ topics: [{ name: "T1" }] }, async (c, a) => {
    a.write(request(310, v2("T1"), { body: "ow", oneway: true }).bytes);
    const r = await call(a, 12345, {}, { binary: true });
    assert.equal(r.code, 3);
    assert.equal(r.remark, " request type 12345 not supported");
    assert.equal(r.serializeType, 1);
    const [m] = c.broker("broker-a").messages("T1");
    assert.equal(utf8(m.body), "ow");
    const view = await call(a, 33, { offset: String(m.commitLogOffset) });
    assert.equal(view.code, 0);
    assert.equal(
      new DataView(view.body!.buffer, view.body!.byteOffset).getInt32(0),
      view.body!.length,
    );
    const none = await call(a, 33, { offset: "999999" });
    assert.equal(none.code, 1);
    assert.equal(none.remark, "can not find message by the offset, 999999");
  });
});

Deno.test("UPDATE_AND_CREATE_TOPIC creates the topic and registers it", async () => {
  await withCluster({}, async (c, a) => {
    const r = await call(a, 17, {
      topic: "Admin1",
      defaultTopic: "TBW102",
      readQueueNums: "3",
      writeQueueNums: "2",
      perm: "6",
      topicFilterType: "SINGLE_TAG",
      order: "false",
    });
    assert.equal(r.code, 0);
    const route = await routeOf(c.namesrvAddr, "Admin1") as RouteJson;
    assert.deepEqual(route.queueDatas, [
      { brokerName: "broker-a", perm: 6, readQueueNums: 3, topicSysFlag: 0, writeQueueNums: 2 },
    ]);
  });
});
