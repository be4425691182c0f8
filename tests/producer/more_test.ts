import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { AbortedError } from "../../src/errors.ts";

const TOPIC = "MoreTopic";
const GET_ROUTE = 105;

Deno.test("trace dispatcher: started with the name servers, failure is an event, shut down", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const calls: string[] = [];
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "trace_group",
    traceDispatcher: {
      start(ns) {
        calls.push(`start ${ns.join(";")}`);
        throw new Error("trace topic missing");
      },
      shutdown() {
        calls.push("shutdown");
      },
    },
  });
  const failed: unknown[] = [];
  p.events.addEventListener("producer.trace.failed", (e) => failed.push((e as CustomEvent).detail));
  try {
    await p.start();
    assert.equal(p.state, "RUNNING");
    assert.equal(failed.length, 1);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
  assert.deepEqual(calls, [`start ${cluster.namesrvAddr}`, "shutdown"]);
});

Deno.test("await using shuts down; producer.send events carry result and latency", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  try {
    await using p = new Producer({ nameServer: cluster.namesrvAddr, group: "using_group" });
    await p.start();
    const seen: { result: { msgId: string }; latencyMs: number }[] = [];
    p.events.addEventListener("producer.send", (e) => seen.push((e as CustomEvent).detail));
    const r = await p.send({ topic: TOPIC, body: "x" });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].result.msgId, r.msgId);
    assert.ok(seen[0].latencyMs >= 0);
  } finally {
    await cluster.close();
  }
});

Deno.test("abort signal: a send waiting on a blackholed broker rejects with AbortedError", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "abort_group",
    shutdownTimeoutMs: 10,
  });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "warm" });
    cluster.brokers[0].blackhole(true);
    const ac = new AbortController();
    const pending = p.send({ topic: TOPIC, body: "x" }, { signal: ac.signal, timeoutMs: 10_000 });
    const settled = assert.rejects(pending, AbortedError);
    ac.abort();
    await settled;
    await assert.rejects(p.send({ topic: TOPIC, body: "x" }, { signal: ac.signal }), AbortedError);
  } finally {
    await p.shutdown();
    cluster.brokers[0].blackhole(false);
    await cluster.close();
  }
});

Deno.test("ROCKETMQ binary headers work end to end", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "bin_group",
    serializeType: "ROCKETMQ",
  });
  try {
    await p.start();
    const r = await p.send({ topic: TOPIC, body: "binary", tags: "B" });
    assert.equal(r.status, "SEND_OK");
    const b = await p.sendBatch([{ topic: TOPIC, body: "1" }, { topic: TOPIC, body: "2" }]);
    assert.equal(b.msgId.split(",").length, 2);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("properties order with DELAY; transaction half message flags", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const p = new Producer({ nameServer: cluster.namesrvAddr, group: "prop_group" });
  try {
    await p.start();
    await p.send({
      topic: TOPIC,
      body: "d",
      tags: "T",
      keys: "K",
      delayTimeLevel: 3,
      waitStoreMsgOK: false,
      properties: { a: "1", b: "2" },
    });
    await p.send({ topic: TOPIC, body: "half", transactionPrepared: true });
    const msgs = cluster.brokers[0].messages();
    const delayed = msgs.find((m) => new TextDecoder().decode(m.body) === "d")!;
    assert.deepEqual([...delayed.sentProperties.keys()], [
      "TAGS",
      "KEYS",
      "UNIQ_KEY",
      "WAIT",
      "DELAY",
      "a",
      "b",
    ]);
    assert.equal(delayed.sentProperties.get("WAIT"), "false");
    assert.equal(delayed.sentProperties.get("DELAY"), "3");
    const half = msgs.find((m) => new TextDecoder().decode(m.body) === "half")!;
    assert.equal(half.sysFlag & 0x4, 0x4);
    assert.equal(half.sentProperties.get("TRAN_MSG"), "true");
    assert.equal(half.sentProperties.get("PGROUP"), "prop_group");
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("concurrent first sends of a topic share one route lookup", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "dedupe_group",
    pollNameServerIntervalMs: 60_000,
  });
  try {
    // Let the first periodic refresh (TBW102, 10 ms after start) pass: it is not what we count.
    const firstRefresh = new Promise((resolve) =>
      p.events.addEventListener("client.route.changed", resolve, { once: true })
    );
    await p.start();
    await firstRefresh;
    const before = cluster.nameServer.requestCount(GET_ROUTE);
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.send({ topic: TOPIC, body: `c${i}` })),
    );
    assert.ok(rs.every((r) => r.status === "SEND_OK"));
    assert.equal(cluster.nameServer.requestCount(GET_ROUTE) - before, 1);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("brokers gone from every route are dropped: heartbeats stop going there", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "offline_group",
    pollNameServerIntervalMs: 20,
    heartbeatIntervalMs: 20,
  });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "x" });
    const hb: string[] = [];
    p.events.addEventListener(
      "client.heartbeat",
      (e) => hb.push((e as CustomEvent).detail.brokerName),
    );
    while (!hb.includes("broker-b")) await new Promise((r) => setTimeout(r, 10));
    let changes = 0;
    p.events.addEventListener("client.route.changed", () => changes++);
    await cluster.broker("broker-b").stop(); // unregisters from the name server
    while (changes < 2) await new Promise((r) => setTimeout(r, 10)); // MoreTopic and TBW102
    // Eventually a whole heartbeat round goes to broker-a only (a round already running when
    // the routes changed may still include broker-b).
    let rounds = 0;
    for (;;) {
      hb.length = 0;
      while (hb.length < 3) await new Promise((r) => setTimeout(r, 10));
      if (hb.every((b) => b === "broker-a")) break;
      assert.ok(++rounds < 50, `heartbeats still go to ${hb}`);
    }
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});
