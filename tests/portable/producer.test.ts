// End-to-end under every runtime: the embedded cluster and the Producer over real loopback sockets,
// with the runtime's own transport adapter (Deno.connect, Bun.connect or node:net).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

test("producer: send, batch and failover against the embedded cluster", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: "PortableTopic" }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "portable_group" });
  try {
    await producer.start();
    const r = await producer.send({
      topic: "PortableTopic",
      body: "hello",
      tags: "TagA",
      keys: ["k1", "k2"],
    });
    assert.equal(r.status, "SEND_OK");
    assert.match(r.msgId, /^[0-9A-F]{32}$/);
    assert.match(r.offsetMsgId, /^[0-9A-F]{32}$/);
    assert.equal(r.queue.topic, "PortableTopic");
    const stored = cluster.broker(r.queue.brokerName).messages("PortableTopic");
    assert.equal(stored.length, 1);
    assert.equal(new TextDecoder().decode(stored[0].body), "hello");
    assert.equal(stored[0].properties.get("KEYS"), "k1 k2");
    assert.equal(stored[0].properties.get("UNIQ_KEY"), r.msgId);

    const b = await producer.sendBatch([
      { topic: "PortableTopic", body: "b0" },
      { topic: "PortableTopic", body: "b1" },
    ]);
    assert.equal(b.status, "SEND_OK");
    assert.equal(b.msgId.split(",").length, 2);

    // broker-a answers SYSTEM_ERROR: the retry goes to broker-b
    cluster.broker("broker-a").failNextSends(100, 1, "injected");
    for (let i = 0; i < 4; i++) {
      const f = await producer.send({ topic: "PortableTopic", body: `f${i}` });
      assert.equal(f.queue.brokerName, "broker-b");
    }
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});
