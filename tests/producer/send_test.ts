import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { StateError, ValidationError } from "../../src/errors.ts";

const TOPIC = "SendTopic";

Deno.test("send: result fields and stored message", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "send_group" });
  try {
    await producer.start();
    assert.equal(producer.state, "RUNNING");
    const r = await producer.send({
      topic: TOPIC,
      body: "hello",
      tags: "TagA",
      keys: ["k1", "k2"],
      properties: { userProp: "v" },
    });
    assert.equal(r.status, "SEND_OK");
    assert.match(r.msgId, /^[0-9A-F]{32}$/);
    assert.match(r.offsetMsgId, /^[0-9A-F]{32}$/);
    assert.equal(r.queue.topic, TOPIC);
    assert.ok(["broker-a", "broker-b"].includes(r.queue.brokerName));
    assert.equal(r.regionId, "DefaultRegion");
    assert.equal(r.traceOn, true);
    const stored = cluster.broker(r.queue.brokerName).messages(TOPIC);
    assert.equal(stored.length, 1);
    const m = stored[0];
    assert.equal(new TextDecoder().decode(m.body), "hello");
    assert.equal(m.queueId, r.queue.queueId);
    assert.equal(m.queueOffset, r.queueOffset);
    assert.equal(m.msgId, r.offsetMsgId);
    assert.deepEqual([...m.sentProperties.keys()], [
      "TAGS",
      "KEYS",
      "UNIQ_KEY",
      "WAIT",
      "userProp",
    ]);
    assert.equal(m.sentProperties.get("KEYS"), "k1 k2");
    assert.equal(m.sentProperties.get("UNIQ_KEY"), r.msgId);
    assert.equal(m.producerGroup, "send_group");
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});

Deno.test("lifecycle: start twice, after shutdown, send before start", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "life_group" });
  try {
    await assert.rejects(producer.send({ topic: TOPIC, body: "x" }), StateError);
    await producer.start();
    await assert.rejects(producer.start(), (e: unknown) => {
      assert.ok(e instanceof StateError);
      assert.equal(e.state, "RUNNING");
      return true;
    });
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
  assert.equal(producer.state, "SHUTDOWN_ALREADY");
  await assert.rejects(producer.start(), StateError);
  await assert.rejects(producer.send({ topic: TOPIC, body: "x" }), StateError);
});

Deno.test("validation: typed errors naming the field", async () => {
  assert.throws(() => new Producer({ nameServer: "127.0.0.1:1", group: "bad group" }), (e) => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.field, "options.group");
    return true;
  });
  assert.throws(
    () => new Producer({ nameServer: "127.0.0.1:1", group: "g", sendTimeoutMs: -1 }),
    (e) => e instanceof ValidationError && e.field === "options.sendTimeoutMs",
  );
  for (const group of ["DEFAULT_PRODUCER", "CLIENT_INNER_PRODUCER"]) {
    assert.throws(
      () => new Producer({ nameServer: "127.0.0.1:1", group }),
      (e) => e instanceof ValidationError && e.field === "options.group",
    );
  }
  assert.throws(
    () => new Producer({ nameServer: "127.0.0.1:1", group: "g", addressServerUrl: "ftp://x" }),
    (e) => e instanceof ValidationError && e.field === "options.addressServerUrl",
  );
  assert.throws(
    () => new Producer({ group: "g" }),
    (e) => e instanceof ValidationError && e.field === "options.nameServer",
  );
  assert.throws(
    () => new Producer({ nameServer: "127.0.0.1:1", group: "g", compressLevel: 10 }),
    (e) => e instanceof ValidationError && e.field === "options.compressLevel",
  );
  assert.throws(
    () => new Producer({ nameServer: "nope", group: "g" }),
    (e) => e instanceof ValidationError && e.field === "options.nameServer",
  );
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  await using producer = new Producer({ nameServer: cluster.namesrvAddr, group: "val_group" });
  try {
    await producer.start();
    const cases: [Parameters<Producer["send"]>[0], string][] = [
      [{ topic: "bad topic", body: "x" }, "topic"],
      [{ topic: TOPIC, body: "" }, "body"],
      [{ topic: TOPIC, body: "x", properties: { UNIQ_KEY: "x" } }, "properties.UNIQ_KEY"],
      [{ topic: TOPIC, body: "x", flag: 1.5 }, "flag"],
      [{ topic: "SCHEDULE_TOPIC_XXXX", body: "x" }, "topic"],
    ];
    for (const [msg, field] of cases) {
      await assert.rejects(producer.send(msg), (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(e));
        assert.equal(e.field, field);
        return true;
      });
    }
    await assert.rejects(
      producer.send({ topic: TOPIC, body: new Uint8Array(11) }, { timeoutMs: 0 }),
      ValidationError,
    );
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});

Deno.test("options: address lists and hook shapes are validated", () => {
  assert.throws(
    () => new Producer({ nameServer: [42 as unknown as string], group: "g" }),
    (e) => e instanceof ValidationError && e.field === "options.nameServer",
  );
  assert.throws(
    () =>
      new Producer({
        nameServer: "127.0.0.1:1",
        group: "g",
        hooks: [{ sendMessageAfter: "x" as unknown as () => void }],
      }),
    (e) => e instanceof ValidationError && e.field === "options.hooks[0].sendMessageAfter",
  );
  const p = new Producer({ nameServer: ["127.0.0.1:1", "[::1]:2"], group: "g" });
  assert.equal(p.state, "CREATE_JUST");
});
