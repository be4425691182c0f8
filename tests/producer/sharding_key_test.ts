// Message.shardingKey: without queue/selector, the queue is the one Java's SelectMessageQueueByHash
// picks, over the embedded cluster; every message of one key lands in that queue; the send does
// not switch brokers. The Java choices are the OpenJDK 17 values recorded in
// tests/route/select_by_hash_test.ts.
import assert from "node:assert/strict";
import { BrokerError, createLogger, hashQueueIndex, Producer, ValidationError } from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

const silent = createLogger({ level: "silent" });

// key → Java's index among 3 queues and among 4 queues (OpenJDK 17, SelectMessageQueueByHash)
const JAVA_CHOICES: [string, number, number][] = [
  ["", 0, 0],
  ["hello", 1, 2],
  ["order-42", 0, 1],
  ["polygenelubricants", 2, 0],
  ["订单", 1, 3],
  ["😀", 1, 3],
];

Deno.test("shardingKey picks the queue a Java producer picks (recorded OpenJDK values)", async () => {
  await using cluster = await startCluster({
    brokers: 2,
    topics: [{ name: "Of3", queues: 3, brokers: ["broker-a"] }, { name: "Of4", queues: 4 }],
  });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "shard_g",
    logger: silent,
  });
  await producer.start();
  try {
    for (const [key, of3] of JAVA_CHOICES) {
      const r = await producer.send({ topic: "Of3", body: `k:${key}`, shardingKey: key });
      assert.deepEqual([r.queue.brokerName, r.queue.queueId], ["broker-a", of3], key);
    }
    // Of4: 8 queues, as Java orders them (brokers by name, then queue ids): index i is
    // broker-(a|b) queue i % 4. Java's Long/Integer hash for -13 over 8 queues gives 5.
    const r = await producer.send({ topic: "Of4", body: "n", shardingKey: -13 });
    assert.deepEqual([r.queue.brokerName, r.queue.queueId], ["broker-b", 1]);
    const queues = await producer.fetchPublishMessageQueues("Of4");
    assert.equal(queues.length, 8);
    // every message of one key lands in the queue Java picks, whatever the key type
    const keys: (string | number | bigint)[] = ["order-1", "order-2", "order-3", 7, 2 ** 40, 99n];
    for (const key of keys) {
      const expected = queues[hashQueueIndex(queues, key)];
      for (let i = 0; i < 3; i++) {
        const s = await producer.send({ topic: "Of4", body: `${key}#${i}`, shardingKey: key });
        assert.deepEqual(s.queue, expected, String(key));
      }
      const stored = cluster.broker(expected.brokerName).messages("Of4")
        .filter((m) => new TextDecoder().decode(m.body).startsWith(`${key}#`));
      assert.equal(stored.length, 3);
      assert.ok(stored.every((m) => m.queueId === expected.queueId));
      assert.ok(stored.every((m) => !m.properties.has("shardingKey")));
    }
    // sendOneway and sendAsync follow the key too
    await producer.sendOneway({ topic: "Of3", body: "oneway", shardingKey: "hello" });
    const viaAsync = await new Promise<number>((resolve, reject) => {
      producer.sendAsync({ topic: "Of3", body: "async", shardingKey: "order-42" }, {
        onSuccess: (r) => resolve(r.queue.queueId),
        onException: reject,
      });
    });
    assert.equal(viaAsync, 0);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("shardingKey sends stay on their queue (no broker switching); a selector wins", async () => {
  await using cluster = await startCluster({ brokers: 2, topics: [{ name: "Pinned" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "pin_g",
    logger: silent,
  });
  await producer.start();
  try {
    const queues = await producer.fetchPublishMessageQueues("Pinned");
    const home = queues[hashQueueIndex(queues, "order-42")];
    cluster.broker(home.brokerName).failNextSends(1, 14, "service not available");
    const e = await producer.send({ topic: "Pinned", body: "x", shardingKey: "order-42" })
      .then(() => null, (e) => e);
    // one attempt on the key's broker, as Java's send(msg, selector, arg): no retry elsewhere
    // (a send without the key would have been retried, and stored, on the other broker)
    assert.ok(e instanceof BrokerError, String(e));
    assert.equal(e.responseCode, 14);
    assert.equal(e.address, cluster.broker(home.brokerName).address);
    const other = home.brokerName === "broker-a" ? "broker-b" : "broker-a";
    assert.equal(cluster.broker(other).messages("Pinned").length, 0);
    // an explicit selector takes precedence over the key
    const r = await producer.send({ topic: "Pinned", body: "y", shardingKey: "order-42" }, {
      selector: (qs) => qs[qs.length - 1],
    });
    assert.deepEqual(r.queue, queues[queues.length - 1]);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("a bad shardingKey is a ValidationError naming it", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "BadKey" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "badkey_g",
    logger: silent,
  });
  await producer.start();
  try {
    for (const bad of [1.5, { id: 1 }, true, Number.NaN]) {
      await assert.rejects(
        // deno-lint-ignore no-explicit-any
        producer.send({ topic: "BadKey", body: "x", shardingKey: bad as any }),
        (e) => e instanceof ValidationError && e.field === "shardingKey",
      );
    }
  } finally {
    await producer.shutdown();
  }
});
